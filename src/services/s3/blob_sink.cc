#include "services/s3/blob_sink.h"

#include <openssl/evp.h>

#include <algorithm>
#include <deque>
#include <string_view>

#include "common/mutex.h"
#include "http/piece_pool.h"
#include "services/s3/errors.h"

namespace nimbus::services::s3 {

namespace {

struct Md5 {
  Md5() : ctx(EVP_MD_CTX_new()) { EVP_DigestInit_ex(ctx, EVP_md5(), nullptr); }
  ~Md5() { EVP_MD_CTX_free(ctx); }
  Md5(const Md5&) = delete;
  Md5& operator=(const Md5&) = delete;
  void update(std::string_view d) { EVP_DigestUpdate(ctx, d.data(), d.size()); }
  std::string final() {
    unsigned char out[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    EVP_DigestFinal_ex(ctx, out, &n);
    return std::string(reinterpret_cast<char*>(out), n);
  }
  EVP_MD_CTX* ctx;
};

// A body kept in memory is taken where its pieces arrive, in order
// (take_in_memory). A body going to a file is split over two lanes on the
// worker pool, each in order: one appends the pieces to the slot, the other
// hashes them (MD5 for the ETag, the asked checksum), so the copy into the
// page cache and the hash run on two cores at once. A lane is one task
// that works through its queue and ends when the queue is empty (a hand-off
// to the pool only when a lane was idle: the hash lane, the slower one,
// usually runs from the first piece to the last). Up to kAhead pieces are
// in flight between the socket and the slower lane; the next read is asked
// for as soon as fewer are.
class Sink : public std::enable_shared_from_this<Sink> {
 public:
  Sink(std::shared_ptr<http::BodySource> body, BlobSlots& slots, WorkerPool& workers,
       std::optional<uint64_t> expected, uint64_t limit, uint64_t inline_limit,
       std::optional<auth::ChecksumAlgorithm> checksum,
       std::function<void(Result<WrittenBlob>)> done)
      : slots_(slots),
        workers_(workers),
        expected_(expected),
        limit_(limit),
        done_(std::move(done)),
        body_(std::move(body)) {
    if (checksum) checksum_.emplace(*checksum);
    if (expected && *expected <= inline_limit) {
      data_.emplace();
      data_->reserve(*expected);
    }
  }

  void start() {
    // A body kept in memory needs no file: its pieces are taken where they
    // arrive (for a body that came whole, all at once, on the caller's
    // thread), with no hop to a worker.
    if (data_) return read_next();
    workers_.post([self = shared_from_this()] {
      auto w = self->slots_.create();
      if (!w) {
        self->finish(w.take_error());
        return;
      }
      self->writer_.emplace(std::move(*w));
      {
        MutexLock lock(self->mu_);
        self->reading_ = true;
      }
      self->read_next();
    });
  }

 private:
  // Twelve rather than four: with four, a write that waited on the disk
  // (writeback throttling) stopped the reads and left the MD5 lane idle
  // a third of a 256 MiB PUT (curl PUT 399 -> 427 MB/s, medians of 5).
  static constexpr uint64_t kAhead = 12;

  // What a lane works on, in order: a piece (shared by both lanes), the
  // body's end, or (write lane) the failure to finish with.
  struct LaneItem {
    std::shared_ptr<std::string> piece;  // read only: both lanes share it
    std::optional<Error> failure;
  };
  struct Lane {
    std::deque<LaneItem> queue;
    bool running = false;  // its task is on the pool
  };
  enum class LaneId { kWrite, kHash };

  void read_next() {
    std::shared_ptr<http::BodySource> body;
    {
      MutexLock lock(mu_);
      body = body_;
    }
    if (!body) return;
    body->read([self = shared_from_this()](http::BodyChunk piece) {
      if (self->data_) return self->arrive_in_memory(std::move(piece));
      self->arrive_for_file(std::move(piece));
    });
  }

  // --- a body kept in memory ------------------------------------------------

  // One read is kept ahead: a piece that arrives while the last is still
  // being taken (a body that came whole calls back inside read()) waits in
  // `arrived_` for it.
  void arrive_in_memory(http::BodyChunk piece) {
    {
      MutexLock lock(mu_);
      if (taking_) {
        arrived_.emplace(std::move(piece));
        return;
      }
      taking_ = true;
    }
    while (true) {
      if (!take_in_memory(std::move(piece))) return;  // finished: taking_ stays set
      MutexLock lock(mu_);
      if (!arrived_) {
        taking_ = false;
        return;
      }
      piece = std::move(*arrived_);
      arrived_.reset();
    }
  }

  // Takes one piece; false once the body is finished (its end or an error).
  bool take_in_memory(http::BodyChunk piece) {
    if (!piece) return finish(piece.take_error());
    if (piece->empty()) {
      if (expected_ && data_->size() < *expected_) return finish(errors::incomplete_body());
      WrittenBlob out;
      out.blob.size = data_->size();
      out.data = std::move(data_);
      out.md5 = md5_.final();
      if (checksum_) out.checksum = checksum_->base64();
      return finish(std::move(out));
    }
    if (data_->size() + piece->size() > limit_) {
      return finish(errors::entity_too_large(data_->size() + piece->size(), limit_));
    }
    // Only a body of a declared length is kept in memory, and it never
    // grows past it: more bytes than declared is a length mismatch.
    if (data_->size() + piece->size() > *expected_) return finish(errors::incomplete_body());
    read_next();
    data_->append(*piece);
    md5_.update(*piece);
    if (checksum_) checksum_->update(*piece);
    return true;
  }

  // --- a body going to a file -----------------------------------------------

  // The pieces go to the lanes in the order they arrive: they are queued
  // under mu_, before another thread's read can deliver the next piece.
  void arrive_for_file(http::BodyChunk piece) {
    bool more = false;
    {
      MutexLock lock(mu_);
      reading_ = false;
      if (failed_) return;  // the body failed: later pieces are dropped
      std::optional<Error> failure;
      if (!piece) {
        failure = piece.take_error();
      } else if (piece->empty()) {
        if (expected_ && received_ < *expected_) failure = errors::incomplete_body();
      } else if (received_ + piece->size() > limit_) {
        failure = errors::entity_too_large(received_ + piece->size(), limit_);
      }
      if (failure) {
        failed_ = true;
        // After the writes already queued: the writer is the write lane's.
        queue(LaneId::kWrite, LaneItem{nullptr, std::move(*failure)});
        return;
      }
      if (piece->empty()) {
        ended_ = true;
        queue(LaneId::kWrite, LaneItem{});
        queue(LaneId::kHash, LaneItem{});
        return;
      }
      received_ += piece->size();
      ++arrived_pieces_;
      // Shared by the two lanes; its buffer goes back to the edge's pool
      // once both are done with it.
      std::shared_ptr<std::string> data(new std::string(std::move(*piece)), [](std::string* p) {
        http::recycle_piece(std::move(*p));
        delete p;
      });
      queue(LaneId::kWrite, LaneItem{data, std::nullopt});
      queue(LaneId::kHash, LaneItem{std::move(data), std::nullopt});
      more = wants_more();
    }
    if (more) read_next();
  }

  // Appends to a lane's queue; starts its task when it was idle.
  void queue(LaneId id, LaneItem item) REQUIRES(mu_) {
    Lane& lane = id == LaneId::kWrite ? write_lane_ : hash_lane_;
    lane.queue.push_back(std::move(item));
    if (lane.running) return;
    lane.running = true;
    workers_.post([self = shared_from_this(), id] { self->run_lane(id); });
  }

  // A lane's task: its items in order until none is left.
  void run_lane(LaneId id) {
    Lane& lane = id == LaneId::kWrite ? write_lane_ : hash_lane_;
    for (;;) {
      LaneItem item;
      {
        MutexLock lock(mu_);
        if (lane.queue.empty()) {
          lane.running = false;
          return;
        }
        item = std::move(lane.queue.front());
        lane.queue.pop_front();
      }
      if (item.failure) {
        finish(std::move(*item.failure));
      } else if (!item.piece) {
        lane_drained();
      } else if (id == LaneId::kWrite) {
        write_piece(*item.piece);
      } else {
        hash_piece(*item.piece);
      }
    }
  }

  // Whether to ask for the next piece now; marks the read asked for.
  bool wants_more() REQUIRES(mu_) {
    if (reading_ || failed_ || ended_ || arrived_pieces_ - std::min(written_, hashed_) >= kAhead) {
      return false;
    }
    reading_ = true;
    return true;
  }

  void write_piece(const std::string& data) {
    {
      MutexLock lock(mu_);
      if (failed_) return;
    }
    if (auto st = writer_->append(data); !st) {
      {
        MutexLock lock(mu_);
        failed_ = true;
      }
      finish(st.take_error());
      return;
    }
    flush_behind();
    bool more;
    {
      MutexLock lock(mu_);
      ++written_;
      more = wants_more();
    }
    if (more) read_next();
  }

  // The write lane's, after an append: when enough bytes are written since
  // the last flush, none of this body's runs and the process has a place
  // for one (FlushBudget), fdatasyncs them on another worker while the body
  // still arrives. A flush that fails fails the body at once, through the
  // write lane (the writer is the lane's), as a failed append does: the
  // commit's fsync would not see that error again (both use the same open
  // file). The commit waits for a running flush.
  void flush_behind() {
    {
      MutexLock lock(mu_);
      if (flushing_) return;
    }
    auto flush = writer_->take_flush();
    if (!flush) return;
    {
      MutexLock lock(mu_);
      flushing_ = true;
    }
    // Shared: a worker's task must be copyable. The descriptor and the
    // budget's place go when the flush has run, before it is reported.
    auto shared = std::make_shared<SlotFlush>(std::move(*flush));
    workers_.post([self = shared_from_this(), shared] { self->flushed(shared->run()); });
  }

  void flushed(Status st) {
    bool commit;
    {
      MutexLock lock(mu_);
      flushing_ = false;
      if (!st) {
        if (failed_) return;  // the body failed meanwhile: reported already
        failed_ = true;
        queue(LaneId::kWrite, LaneItem{nullptr, st.take_error()});
        return;
      }
      commit = commit_waits_;
    }
    if (commit) commit_and_answer();
  }

  void hash_piece(const std::string& data) {
    {
      MutexLock lock(mu_);
      if (failed_) return;
    }
    md5_.update(data);
    if (checksum_) checksum_->update(data);
    bool more;
    {
      MutexLock lock(mu_);
      ++hashed_;
      more = wants_more();
    }
    if (more) read_next();
  }

  // Each lane calls this after its last piece; the second commits the file
  // (fsync, on this worker) and answers.
  void lane_drained() {
    {
      MutexLock lock(mu_);
      if (++drained_ < 2 || failed_) return;
      if (flushing_) {
        commit_waits_ = true;  // the flush commits when it is done
        return;
      }
    }
    commit_and_answer();
  }

  void commit_and_answer() {
    auto info = writer_->commit();
    if (!info) {
      finish(info.take_error());
      return;
    }
    WrittenBlob out;
    out.blob = std::move(*info);
    out.md5 = md5_.final();
    if (checksum_) out.checksum = checksum_->base64();
    finish(std::move(out));
  }

  // Always false: the body is finished (take_in_memory()'s answer). Only
  // the first call answers: a failed append and a failure that arrived
  // meanwhile from the socket may both get here.
  bool finish(Result<WrittenBlob> r) {
    {
      MutexLock lock(mu_);
      if (finished_) return false;
      finished_ = true;
      body_.reset();  // an abandoned body closes the connection after the answer
    }
    if (!r && writer_) writer_->abort();
    auto done = std::move(done_);
    done(std::move(r));
    return false;
  }

  BlobSlots& slots_;
  WorkerPool& workers_;
  std::optional<uint64_t> expected_;
  uint64_t limit_;
  std::function<void(Result<WrittenBlob>)> done_;

  Mutex mu_;
  std::shared_ptr<http::BodySource> body_ GUARDED_BY(mu_);
  // In memory: a piece is being taken; the piece that arrived meanwhile.
  bool taking_ GUARDED_BY(mu_) = false;
  std::optional<http::BodyChunk> arrived_ GUARDED_BY(mu_);
  // To a file: a read is asked for; the body failed; its end came; bytes and pieces
  // received, pieces written and hashed; lanes that reached the end.
  bool reading_ GUARDED_BY(mu_) = false;
  bool failed_ GUARDED_BY(mu_) = false;
  bool ended_ GUARDED_BY(mu_) = false;
  uint64_t received_ GUARDED_BY(mu_) = 0;
  uint64_t arrived_pieces_ GUARDED_BY(mu_) = 0;
  uint64_t written_ GUARDED_BY(mu_) = 0;
  uint64_t hashed_ GUARDED_BY(mu_) = 0;
  int drained_ GUARDED_BY(mu_) = 0;
  // A flush behind the writes runs; the commit waits for it.
  bool flushing_ GUARDED_BY(mu_) = false;
  bool commit_waits_ GUARDED_BY(mu_) = false;
  Lane write_lane_ GUARDED_BY(mu_);
  Lane hash_lane_ GUARDED_BY(mu_);
  bool finished_ GUARDED_BY(mu_) = false;

  std::optional<SlotWriter> writer_;  // the write lane's
  std::optional<std::string> data_;   // the body, when it is kept in memory
  Md5 md5_;                           // the hash lane's (or, in memory, the taker's)
  std::optional<auth::Checksum> checksum_;
};

}  // namespace

void write_blob(std::shared_ptr<http::BodySource> body, BlobSlots& slots, WorkerPool& workers,
                std::optional<uint64_t> expected, uint64_t limit, uint64_t inline_limit,
                std::optional<auth::ChecksumAlgorithm> checksum,
                std::function<void(Result<WrittenBlob>)> done) {
  std::make_shared<Sink>(std::move(body), slots, workers, expected, limit, inline_limit, checksum,
                         std::move(done))
      ->start();
}

std::string md5_of(std::string_view data) {
  Md5 m;
  m.update(data);
  return m.final();
}

}  // namespace nimbus::services::s3
