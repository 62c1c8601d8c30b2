#include "services/service.h"

namespace nimbus::services {

const Handler* Service::find(std::string_view operation) const {
  auto it = operations_.find(std::string(operation));
  return it == operations_.end() ? nullptr : &it->second.handler;
}

std::optional<Resources> Service::resources(std::string_view operation, const CallContext& ctx,
                                            const boost::json::object& input) const {
  auto it = operations_.find(std::string(operation));
  if (it == operations_.end()) return std::nullopt;
  return it->second.resources(ctx, input);
}

std::vector<std::string> Service::operations() const {
  std::vector<std::string> out;
  out.reserve(operations_.size());
  for (const auto& entry : operations_) out.push_back(entry.first);
  return out;
}

void Service::add(std::string operation, Handler handler, ResourcesOf resources) {
  operations_[std::move(operation)] = Entry{std::move(handler), resources};
}

void run_blocking(WorkerPool& pool, Respond respond, std::function<Output()> work) {
  pool.post([respond = std::move(respond), work = std::move(work)]() mutable { respond(work()); });
}

}  // namespace nimbus::services
