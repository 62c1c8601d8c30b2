#include "services/sqs/queue.h"

namespace nimbus::services::sqs {

Message* Queue::find(uint64_t seq) {
  auto it = messages_.find(seq);
  return it == messages_.end() ? nullptr : &it->second;
}

void Queue::insert(std::shared_ptr<const MessageData> data, int64_t visible_at_ms,
                   uint32_t receive_count, int64_t first_receive_ms, uint64_t nonce,
                   int64_t now_ms) {
  uint64_t seq = data->seq;
  if (messages_.count(seq) > 0) return;
  Message m;
  m.visible_at_ms = visible_at_ms;
  m.receive_count = receive_count;
  m.first_receive_ms = first_receive_ms;
  m.nonce = nonce;
  if (visible_at_ms > now_ms) {
    m.state = receive_count > 0 ? MessageState::kInflight : MessageState::kDelayed;
  }
  if (fifo) {
    auto& g = groups_[data->group_id].seqs;
    auto pos = g.end();
    while (pos != g.begin() && *(pos - 1) > seq) --pos;
    g.insert(pos, seq);
  }
  m.data = std::move(data);
  auto& stored = messages_.emplace(seq, std::move(m)).first->second;
  index(seq, stored);
}

void Queue::erase(uint64_t seq) {
  auto it = messages_.find(seq);
  if (it == messages_.end()) return;
  unindex(seq, it->second);
  if (fifo) {
    const std::string group = it->second.data->group_id;
    auto g = groups_.find(group);
    if (g != groups_.end()) {
      auto& seqs = g->second.seqs;
      for (auto s = seqs.begin(); s != seqs.end(); ++s) {
        if (*s == seq) {
          seqs.erase(s);
          break;
        }
      }
      messages_.erase(it);
      refresh_group(group);
      if (seqs.empty() && g->second.inflight == 0 && !g->second.indexed) groups_.erase(g);
      return;
    }
  }
  messages_.erase(it);
}

void Queue::clear() {
  messages_.clear();
  visible_.clear();
  hidden_.clear();
  groups_.clear();
  ready_groups_.clear();
  n_visible_ = n_delayed_ = n_inflight_ = 0;
}

void Queue::index(uint64_t seq, Message& m) {
  switch (m.state) {
    case MessageState::kVisible:
      ++n_visible_;
      if (!fifo) visible_.insert(seq);
      break;
    case MessageState::kDelayed:
      ++n_delayed_;
      hidden_.emplace(m.visible_at_ms, seq);
      break;
    case MessageState::kInflight:
      ++n_inflight_;
      hidden_.emplace(m.visible_at_ms, seq);
      if (fifo) ++groups_[m.data->group_id].inflight;
      break;
  }
  if (fifo) refresh_group(m.data->group_id);
}

void Queue::unindex(uint64_t seq, Message& m) {
  switch (m.state) {
    case MessageState::kVisible:
      --n_visible_;
      if (!fifo) visible_.erase(seq);
      break;
    case MessageState::kDelayed:
      --n_delayed_;
      hidden_.erase({m.visible_at_ms, seq});
      break;
    case MessageState::kInflight:
      --n_inflight_;
      hidden_.erase({m.visible_at_ms, seq});
      if (fifo) --groups_[m.data->group_id].inflight;
      break;
  }
  if (fifo) refresh_group(m.data->group_id);
}

void Queue::refresh_group(const std::string& name) {
  auto it = groups_.find(name);
  if (it == groups_.end()) return;
  Group& g = it->second;
  if (g.indexed) {
    ready_groups_.erase({g.indexed_head, name});
    g.indexed = false;
  }
  if (g.inflight > 0 || g.seqs.empty()) return;
  auto m = messages_.find(g.seqs.front());
  if (m == messages_.end() || m->second.state != MessageState::kVisible) return;
  g.indexed = true;
  g.indexed_head = g.seqs.front();
  ready_groups_.emplace(g.indexed_head, name);
}

void Queue::promote(int64_t now_ms) {
  while (!hidden_.empty() && hidden_.begin()->first <= now_ms) {
    uint64_t seq = hidden_.begin()->second;
    Message& m = messages_.at(seq);
    unindex(seq, m);
    m.state = MessageState::kVisible;
    index(seq, m);
  }
}

std::vector<uint64_t> Queue::pick(size_t max) const {
  std::vector<uint64_t> out;
  if (!fifo) {
    for (auto it = visible_.begin(); it != visible_.end() && out.size() < max; ++it) {
      out.push_back(*it);
    }
    return out;
  }
  for (const auto& [head, name] : ready_groups_) {
    const Group& g = groups_.at(name);
    for (uint64_t seq : g.seqs) {
      if (out.size() >= max) return out;
      if (messages_.at(seq).state != MessageState::kVisible) break;
      out.push_back(seq);
    }
  }
  return out;
}

void Queue::set_inflight(uint64_t seq, int64_t visible_at_ms) {
  Message& m = messages_.at(seq);
  unindex(seq, m);
  m.state = MessageState::kInflight;
  m.visible_at_ms = visible_at_ms;
  index(seq, m);
}

void Queue::set_visible(uint64_t seq) {
  Message& m = messages_.at(seq);
  unindex(seq, m);
  m.state = MessageState::kVisible;
  index(seq, m);
}

int64_t Queue::next_visible_at() const {
  return hidden_.empty() ? 0 : hidden_.begin()->first;
}

uint64_t Queue::oldest_visible() const {
  return visible_.empty() ? 0 : *visible_.begin();
}

}  // namespace nimbus::services::sqs
