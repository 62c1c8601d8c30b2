// Buffers for body pieces, reused. The edge reads a streamed request body
// of known length from the socket straight into one (kPieceBytes at most),
// and a reader that is done with a piece's bytes gives it back
// (recycle_piece), so a large upload neither allocates, zero-fills nor
// faults in fresh memory for every piece. Process-wide and bounded
// (kPooledPieces buffers, 4 MiB): a piece nobody gives back, or one given
// back while the pool is full, is freed as usual. Nothing else's
// allocations are affected (no malloc setting). Thread-safe.
#pragma once

#include <cstddef>
#include <string>

namespace nimbus::http {

inline constexpr size_t kPieceBytes = 256 * 1024;
inline constexpr size_t kPooledPieces = 16;

// A string of `size` bytes whose contents are unspecified (a reused buffer
// when `size` <= kPieceBytes and one is pooled).
std::string piece_buffer(size_t size);
// Gives `piece`'s buffer back to the pool (or frees it).
void recycle_piece(std::string piece);
// Buffers pooled now (tests).
size_t pooled_pieces();

}  // namespace nimbus::http
