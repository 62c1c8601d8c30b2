#include "services/kinesis/reshard.h"

#include <algorithm>

namespace nimbus::services::kinesis {

namespace {

void close(Stream& s, uint32_t shard, int64_t now_ms, const LastSeq& last_seq) {
  Shard& sh = s.shards[shard];
  sh.closed_ms = now_ms;
  sh.ending_seq = last_seq(shard);
}

uint32_t open_child(Stream& s, HashKey lo, HashKey hi, uint32_t parent,
                    std::optional<uint32_t> adjacent, int64_t now_ms) {
  Shard c;
  c.index = static_cast<uint32_t>(s.shards.size());
  c.start_hash = lo;
  c.end_hash = hi;
  c.parent = parent;
  c.adjacent_parent = adjacent;
  c.created_ms = now_ms;
  s.shards.push_back(c);
  s.budgets.resize(s.shards.size());
  return c.index;
}

}  // namespace

std::vector<uint32_t> open_in_order(const Stream& s) {
  std::vector<uint32_t> out;
  for (const auto& sh : s.shards) {
    if (sh.open()) out.push_back(sh.index);
  }
  std::sort(out.begin(), out.end(), [&](uint32_t a, uint32_t b) {
    return s.shards[a].start_hash < s.shards[b].start_hash;
  });
  return out;
}

void split_shard(Stream& s, uint32_t shard, HashKey new_start, int64_t now_ms,
                 const LastSeq& last_seq) {
  close(s, shard, now_ms, last_seq);
  HashKey lo = s.shards[shard].start_hash;
  HashKey hi = s.shards[shard].end_hash;
  open_child(s, lo, new_start - 1, shard, std::nullopt, now_ms);
  open_child(s, new_start, hi, shard, std::nullopt, now_ms);
}

void merge_shards(Stream& s, uint32_t shard, uint32_t adjacent, int64_t now_ms,
                  const LastSeq& last_seq) {
  close(s, shard, now_ms, last_seq);
  close(s, adjacent, now_ms, last_seq);
  HashKey lo = std::min(s.shards[shard].start_hash, s.shards[adjacent].start_hash);
  HashKey hi = std::max(s.shards[shard].end_hash, s.shards[adjacent].end_hash);
  open_child(s, lo, hi, shard, adjacent, now_ms);
}

void scale_uniformly(Stream& s, uint32_t target, int64_t now_ms, const LastSeq& last_seq) {
  auto ranges = split_range(0, kMaxHashKey, target);
  // 1. Split every open shard at each target boundary inside it.
  for (size_t r = 1; r < ranges.size(); ++r) {
    HashKey boundary = ranges[r].first;
    for (uint32_t idx : open_in_order(s)) {
      const Shard& sh = s.shards[idx];
      if (sh.start_hash < boundary && boundary <= sh.end_hash) {
        split_shard(s, idx, boundary, now_ms, last_seq);
        break;
      }
    }
  }
  // 2. Merge the pieces inside each target range, left to right.
  for (const auto& [lo, hi] : ranges) {
    while (true) {
      std::vector<uint32_t> inside;
      for (uint32_t idx : open_in_order(s)) {
        if (s.shards[idx].start_hash >= lo && s.shards[idx].end_hash <= hi) inside.push_back(idx);
      }
      if (inside.size() < 2) break;
      merge_shards(s, inside[0], inside[1], now_ms, last_seq);
    }
  }
}

}  // namespace nimbus::services::kinesis
