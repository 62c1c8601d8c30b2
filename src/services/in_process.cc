#include "services/in_process.h"

#include "protocol/engine.h"
#include "protocol/input.h"
#include "protocol/model.h"

namespace nimbus::services {

InProcessCalls::InProcessCalls(const std::vector<std::unique_ptr<Service>>& services)
    : services_(services) {}

InProcessCalls::~InProcessCalls() = default;

void InProcessCalls::call(std::string_view model, std::string_view operation, CallContext ctx,
                          boost::json::object input, Respond respond) {
  Service* service = nullptr;
  for (const auto& s : services_) {
    if (s->model_name() == model) service = s.get();
  }
  const Handler* handler = service != nullptr ? service->find(operation) : nullptr;
  if (handler == nullptr) {
    respond(Error::make(
        "InvalidAction",
        "nimbus does not serve " + std::string(model) + " " + std::string(operation), 400));
    return;
  }
  std::call_once(models_once_, [this] {
    std::vector<std::string> names;
    for (const auto& s : services_) names.push_back(s->model_name());
    models_ = std::make_unique<protocol::ModelRegistry>(names);
  });
  const auto* service_model = models_->by_name(model);
  const auto* op = service_model != nullptr ? service_model->operation(operation) : nullptr;
  if (op != nullptr) {
    if (auto st = protocol::input::validate(*service_model, *op, input, service_model->protocol());
        !st) {
      respond(st.take_error());
      return;
    }
  }
  ctx.service = std::string(model);
  ctx.operation = std::string(operation);
  (*handler)(ctx, std::move(input), std::move(respond));
}

}  // namespace nimbus::services
