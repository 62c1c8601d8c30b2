#include "services/lambda/lambda_service.h"

#include <spdlog/spdlog.h>

#include <charconv>
#include <filesystem>
#include <optional>
#include <set>

#include "events/mappings.h"
#include "services/lambda/async_queue.h"
#include "services/lambda/code.h"
#include "services/lambda/util.h"
#include "storage/storage.h"

namespace nimbus::services::lambda {

namespace {

constexpr const char* kFunctionsNs = "lambda.functions";

std::string data_root(const Environment& env) {
  if (!env.settings.data_dir.empty()) return env.settings.data_dir + "/lambda";
  return (std::filesystem::temp_directory_path() / "nimbus-lambda").string();
}

}  // namespace

LambdaOptions LambdaOptions::from(const Settings& settings) {
  LambdaOptions o;
  const auto& opts = settings.service_options;
  // The CLI checked the forms (cli/main.cc); what does not parse keeps the default.
  auto number = [](std::string_view text) -> std::optional<int64_t> {
    int64_t n = 0;
    auto r = std::from_chars(text.data(), text.data() + text.size(), n);
    if (r.ec != std::errc() || r.ptr != text.data() + text.size()) return std::nullopt;
    return n;
  };
  if (auto it = opts.find("lambda.concurrency"); it != opts.end()) {
    o.account_concurrency = number(it->second).value_or(o.account_concurrency);
  }
  if (auto it = opts.find("lambda.retry-delays"); it != opts.end()) {
    std::vector<int64_t> delays;
    std::string_view text = it->second;
    while (!text.empty()) {
      size_t comma = text.find(',');
      if (auto n = number(text.substr(0, comma))) delays.push_back(*n);
      if (comma == std::string_view::npos) break;
      text.remove_prefix(comma + 1);
    }
    if (!delays.empty()) o.retry_delays_ms = std::move(delays);
  }
  return o;
}

LambdaService::LambdaService(Environment& env, logs::LogWriter* logs, sqs::Queues* queues,
                             LambdaOptions options)
    : Service("lambda"),
      env_(env),
      logs_(logs),
      queues_(queues),
      options_(std::move(options)),
      code_(std::make_shared<CodeStore>(data_root(env) + "/code", env.storage)),
      bridge_(logs) {
  host_ = options_.host;
  if (host_ == nullptr) {
    runtime::HostOptions ho;
    ho.state_dir = data_root(env) + "/runtime";
    ho.log_sink = &bridge_;
    auto created = runtime::Host::create(ho);
    if (!created) {
      spdlog::error("lambda: no execution environments: {}", created.error().message);
    } else {
      own_host_ = std::move(created).value();
      host_ = own_host_.get();
      spdlog::info("lambda isolation: {}", host_->describe_isolation());
    }
  }
  if (host_ != nullptr) pool_ = std::make_unique<runtime::Pool>(*host_, options_.pool);
  add_function_handlers();
  add_version_handlers();
  add_settings_handlers();
  add_invoke_handlers();
  add_event_source_handlers();
  recover();
  async_ = std::make_unique<AsyncQueue>(*this);
  start_event_sources();
  collect_code_later(0);  // leftovers of functions deleted before a restart
}

LambdaService::~LambdaService() {
  {
    std::unique_lock l(life_->mu);  // waits for a running collect_code_later timer
    life_->alive = false;
    life_->idle.wait(l, [&] { return life_->tasks == 0; });
  }
  alive_->store(false);
  esm_.reset();  // pollers detach: SQS may already be gone (services/registry.cc)
  // In-flight invocations complete into the async queue: stop it taking new
  // work, let the pool finish (or kill) what runs, and only then destroy the
  // queue (ASan found the other order).
  if (async_) async_->stop();
  if (pool_) pool_->shutdown();
  pool_.reset();
  async_.reset();
  own_host_.reset();
}

void LambdaService::post_work(std::function<void()> work) {
  std::lock_guard l(life_->mu);
  post_work_locked(std::move(work));
}

void LambdaService::post_work_locked(std::function<void()> work) {
  ++life_->tasks;
  env_.workers.post([life = life_, work = std::move(work)] {
    work();
    std::lock_guard l(life->mu);
    if (--life->tasks == 0) life->idle.notify_all();
  });
}

void LambdaService::begin_shutdown() {
  if (async_) async_->stop();
  if (esm_) esm_->shutdown();
}

std::string LambdaService::arn(const std::string& name) const {
  return function_arn(env_.settings.region, env_.settings.account_id, name);
}

std::string LambdaService::endpoint_url() const {
  std::lock_guard l(mu_);
  return endpoint_url_;
}

void LambdaService::recover() {
  if (env_.storage == nullptr) return;
  if (auto st = code_->recover(); !st) {
    spdlog::error("lambda: reading code records: {}", st.error().message);
    return;
  }
  std::lock_guard l(mu_);
  auto read = env_.storage->records(kFunctionsNs).each("", [&](storage::Entry& e) {
    auto doc = parse_object(e.value);
    if (!doc) return;
    auto f = std::make_shared<Function>(from_document(*doc));
    rebuild_spec(*f, f->latest);
    for (auto& [n, ver] : f->versions) rebuild_spec(*f, ver);
    functions_[f->name] = f;
    stats_locked(f->name);
  });
  if (!read) {
    spdlog::error("lambda: reading functions: {}", read.error().message);
    return;
  }
  if (!functions_.empty()) spdlog::info("lambda: recovered {} functions", functions_.size());
  for (auto& [name, f] : functions_) {
    for (const auto& [q, c] : f->provisioned) {
      prewarm_locked(*f, q, integer(c, "RequestedProvisionedConcurrentExecutions").value_or(0));
    }
  }
}

void LambdaService::prewarm_locked(Function& f, const std::string& qualifier, int64_t n) {
  std::string key = f.name + ":" + qualifier;
  provisioned_ready_[key] = 0;
  auto target = resolve_locked(f, qualifier);
  if (!pool_ || !target || n <= 0) return;
  // On a worker: the code may have to be unpacked from its blob first.
  post_work([this, life = life_, code = code_, spec = target->spec, sha = target->code, key, n] {
    if (auto st = code->ensure(sha); !st) {
      spdlog::error("lambda: provisioned concurrency for {}: {}", key, st.error().message);
      return;
    }
    std::lock_guard g(life->mu);
    if (!life->alive) return;
    std::weak_ptr<std::atomic<bool>> alive = alive_;
    // The pool calls back on the runtime loop, never inline, so mu_ is free then.
    pool_->prewarm(spec, static_cast<size_t>(n), [this, alive, key](size_t ready) {
      auto a = alive.lock();
      if (!a || !*a) return;
      std::lock_guard l(mu_);
      provisioned_ready_[key] = ready;
    });
  });
}

std::shared_ptr<Function> LambdaService::find_locked(const std::string& name) const {
  auto it = functions_.find(name);
  return it == functions_.end() ? nullptr : it->second;
}

void LambdaService::rebuild_spec(const Function& f, Version& v) const {
  auto spec = std::make_shared<runtime::FunctionSpec>();
  const auto& c = v.config;
  spec->name = f.name;
  spec->version = str(c, "Version").empty() ? "$LATEST" : str(c, "Version");
  spec->revision = str(c, "RevisionId");
  spec->arn = arn(f.name);
  spec->runtime = str(c, "Runtime");
  spec->handler = str(c, "Handler");
  spec->code_dir = code_->dir_of(v.code);
  spec->memory_mb = static_cast<uint32_t>(integer(c, "MemorySize").value_or(128));
  spec->timeout = std::chrono::seconds(integer(c, "Timeout").value_or(3));
  if (const auto* e = c.if_contains("EphemeralStorage"); e && e->is_object()) {
    spec->ephemeral_mb = static_cast<uint32_t>(integer(e->as_object(), "Size").value_or(512));
  }
  if (const auto* e = c.if_contains("Environment"); e && e->is_object()) {
    if (const auto* vars = e->as_object().if_contains("Variables"); vars && vars->is_object()) {
      for (const auto& [k, val] : vars->as_object()) {
        if (val.is_string()) spec->environment[std::string(k)] = val.as_string();
      }
    }
  }
  spec->region = env_.settings.region;
  spec->account = env_.settings.account_id;
  spec->access_key_id = "test";  // execution-role credentials come with IAM
  spec->secret_access_key = "test";
  spec->endpoint_url = endpoint_url_;
  v.spec = std::move(spec);
}

std::shared_ptr<FunctionStats> LambdaService::stats_locked(const std::string& name) {
  auto& s = stats_[name];
  if (s) return s;
  s = std::make_shared<FunctionStats>();
  Labels l = {{"function", name}};
  auto& m = env_.metrics;
  s->invocations = &m.counter("nimbus_lambda_invocations", l, "function invocations");
  s->errors = &m.counter("nimbus_lambda_errors", l, "invocations that ended in a function error");
  s->throttles = &m.counter("nimbus_lambda_throttles", l, "invocations refused by concurrency");
  s->dead_letter_errors =
      &m.counter("nimbus_lambda_dead_letter_errors", l, "failed deliveries to a DLQ/destination");
  s->async_dropped =
      &m.counter("nimbus_lambda_async_events_dropped", l, "async events dropped after failing");
  s->duration = &m.histogram("nimbus_lambda_duration_seconds", l, "function run time");
  s->concurrent = &m.gauge("nimbus_lambda_concurrent_executions", l, "invocations in flight");
  return s;
}

void LambdaService::persist_locked(const Function& f, Respond respond, json::object out) {
  if (env_.storage == nullptr) {
    respond(std::move(out));
    return;
  }
  storage::WriteBatch batch;
  batch.put(kFunctionsNs, f.name, json::serialize(to_document(f)));
  env_.storage->commit(std::move(batch),
                       [respond = std::move(respond), out = std::move(out)](Status st) mutable {
                         if (!st) return respond(st.take_error());
                         respond(std::move(out));
                       });
}

void LambdaService::erase_locked(const std::string& name, Respond respond) {
  if (env_.storage == nullptr) {
    respond(json::object{});
    return;
  }
  storage::WriteBatch batch;
  batch.del(kFunctionsNs, name);
  env_.storage->commit(std::move(batch), [respond = std::move(respond)](Status st) {
    if (!st) return respond(st.take_error());
    respond(json::object{});
  });
}

void LambdaService::collect_code_later(int64_t delay_ms) {
  // Code released after this call (CodeStore::released) is kept by
  // this collection: each release waits out its own delay. The references
  // are read on the scheduler thread, under life_ (the destructor waits for
  // it); the removal runs on a worker, counted so the destructor waits.
  uint64_t since = code_->epoch();
  env_.scheduler.after(std::chrono::milliseconds(delay_ms), [this, life = life_, since] {
    std::lock_guard g(life->mu);
    if (!life->alive) return;
    std::set<std::string> referenced;
    {
      std::lock_guard l(mu_);
      for (const auto& [name, f] : functions_) {
        referenced.insert(f->latest.code);
        for (const auto& [n, v] : f->versions) referenced.insert(v.code);
      }
    }
    post_work_locked([code = code_, referenced = std::move(referenced), since] {
      if (size_t n = code->collect(referenced, since); n > 0) {
        spdlog::info("lambda: removed {} unreferenced codes", n);
      }
    });
  });
}

int64_t LambdaService::reserved_sum_locked() const {
  int64_t sum = 0;
  for (const auto& [n, f] : functions_) sum += f->reserved.value_or(0);
  return sum;
}

}  // namespace nimbus::services::lambda
