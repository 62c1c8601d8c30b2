#include "services/service.h"

namespace nimbus::services {

const Handler* Service::find(std::string_view operation) const {
  auto it = handlers_.find(std::string(operation));
  return it == handlers_.end() ? nullptr : &it->second;
}

std::vector<std::string> Service::operations() const {
  std::vector<std::string> out;
  out.reserve(handlers_.size());
  for (const auto& [name, _] : handlers_) out.push_back(name);
  return out;
}

void Service::on(std::string operation, Handler handler) {
  handlers_[std::move(operation)] = std::move(handler);
}

void run_blocking(WorkerPool& pool, Respond respond, std::function<Output()> work) {
  pool.post([respond = std::move(respond), work = std::move(work)]() mutable { respond(work()); });
}

}  // namespace nimbus::services
