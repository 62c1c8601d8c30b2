#include "http/piece_pool.h"

#include <vector>

#include "common/mutex.h"

namespace nimbus::http {

namespace {

struct PiecePool {
  Mutex mu;
  std::vector<std::string> free GUARDED_BY(mu);  // each kPieceBytes long
};

PiecePool& the_piece_pool() {
  static auto* pool = new PiecePool;  // never destroyed: pieces may come back during exit
  return *pool;
}

}  // namespace

std::string piece_buffer(size_t size) {
  std::string out;
  if (size <= kPieceBytes) {
    PiecePool& pool = the_piece_pool();
    MutexLock lock(pool.mu);
    if (!pool.free.empty()) {
      out = std::move(pool.free.back());
      pool.free.pop_back();
    }
  }
  // A pooled buffer is kPieceBytes long: shrinking it writes nothing.
  out.resize(size);
  return out;
}

void recycle_piece(std::string piece) {
  // Only buffers of about a piece's size: others were not made here, and
  // keeping a larger one would hold memory the pool does not count.
  if (piece.capacity() < kPieceBytes || piece.capacity() > 2 * kPieceBytes) return;
  piece.resize(kPieceBytes);  // a short piece's tail is zeroed once, outside the lock
  PiecePool& pool = the_piece_pool();
  MutexLock lock(pool.mu);
  if (pool.free.size() < kPooledPieces) pool.free.push_back(std::move(piece));
}

size_t pooled_pieces() {
  PiecePool& pool = the_piece_pool();
  MutexLock lock(pool.mu);
  return pool.free.size();
}

}  // namespace nimbus::http
