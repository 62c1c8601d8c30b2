#include "services/lambda/engine.h"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <charconv>
#include <filesystem>
#include <optional>
#include <random>
#include <set>

#include "services/lambda/code.h"
#include "services/lambda/errors.h"
#include "services/lambda/function_metrics.h"
#include "services/lambda/util.h"
#include "storage/storage.h"

namespace nimbus::services::lambda {

namespace {

constexpr const char* kFunctionsNs = "lambda.functions";

std::string data_root(const Environment& env) {
  if (!env.settings.data_dir.empty()) return env.settings.data_dir + "/lambda";
  return (std::filesystem::temp_directory_path() / "nimbus-lambda").string();
}

double uniform01() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  return std::uniform_real_distribution<double>(0.0, 1.0)(rng);
}

void set_code(json::object& c, const CodeInfo& code) {
  c["CodeSha256"] = code.sha256_b64;
  c["CodeSize"] = code.size;
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
  if (auto it = opts.find("lambda.network"); it != opts.end()) o.no_network = it->second == "none";
  return o;
}

Engine::Engine(Environment& env, logs::LogWriter* logs, LambdaOptions options)
    : env_(env),
      options_(std::move(options)),
      code_(std::make_shared<CodeStore>(data_root(env) + "/code", env.storage)),
      links_(env.clock),
      layers_(std::make_unique<Layers>(env)),
      bridge_(logs) {
  // Clients' requests update it (note_endpoint); the server's own address is
  // known from the start, before anything resumed invokes a function.
  if (auto it = env.settings.service_options.find("server.endpoint_url");
      it != env.settings.service_options.end()) {
    endpoint_url_ = it->second;
  }
  host_ = options_.host;
  if (host_ == nullptr) {
    runtime::HostOptions ho;
    ho.state_dir = data_root(env) + "/runtime";
    ho.log_sink = &bridge_;
    // A busy environment's lines reach CloudWatch Logs at most 20 ms late,
    // in one store commit per 20 ms instead of one (an fsync) per invocation.
    ho.log_batch_interval = std::chrono::milliseconds(20);
    ho.clock = &env.clock;
    if (options_.no_network) {
      // Functions reach the server's own port on their loopback.
      ho.isolation.private_network = true;
      auto colon = endpoint_url_.rfind(':');
      int port = 0;
      if (colon != std::string::npos) {
        std::string_view digits = std::string_view(endpoint_url_).substr(colon + 1);
        std::from_chars(digits.data(), digits.data() + digits.size(), port);
      }
      ho.isolation.endpoint_port = port > 0 && port < 65536 ? static_cast<uint16_t>(port) : 0;
      ho.serve_endpoint = [this](int fd) {
        MutexLock l(endpoint_mu_);
        if (serve_endpoint_)
          serve_endpoint_(fd);
        else
          ::close(fd);
      };
    }
    ho.credentials = [this](const runtime::FunctionSpec& f) -> Result<runtime::RoleCredentials> {
      runtime::CredentialSource source;
      {
        std::lock_guard l(credentials_mu_);
        source = role_credentials_;
      }
      if (!source) return runtime::RoleCredentials{};  // none: no variables
      return source(f);
    };
    auto created = runtime::Host::create(ho);
    if (!created) {
      host_error_ = created.error().message;
      spdlog::error("lambda: no execution environments: {}", host_error_);
    } else {
      own_host_ = std::move(created).value();
      host_ = own_host_.get();
      spdlog::info("lambda isolation: {}", host_->describe_isolation());
    }
  }
  if (host_ != nullptr) pool_ = std::make_unique<runtime::Pool>(*host_, options_.pool);
}

Engine::~Engine() {
  shutdown();
  pool_.reset();  // before the Host it runs on
  own_host_.reset();
}

Status Engine::start() {
  if (options_.no_network && host_ == nullptr)
    return Error::internal("--lambda-network none: " + host_error_);
  NIMBUS_TRY(code_->recover());
  if (env_.storage != nullptr) {
    NIMBUS_TRY(layers_->recover());
    std::lock_guard l(mu_);
    size_t bad = 0;
    NIMBUS_TRY(env_.storage->records(kFunctionsNs).each("", [&](storage::Entry& e) {
      auto doc = parse_object(e.value);
      if (!doc) {
        ++bad;
        return;
      }
      auto f = std::make_shared<Function>(from_document(*doc));
      rebuild_spec(*f, f->latest);
      for (auto& [n, ver] : f->versions) rebuild_spec(*f, ver);
      functions_[f->name] = f;
      stats_locked(f->name);
    }));
    if (bad > 0) {
      return Error::internal("lambda: " + std::to_string(bad) +
                             " stored functions are not JSON documents");
    }
    if (!functions_.empty()) spdlog::info("lambda: recovered {} functions", functions_.size());
    for (auto& [name, f] : functions_) {
      for (const auto& [q, c] : f->provisioned) {
        prewarm_locked(*f, q, integer(c, "RequestedProvisionedConcurrentExecutions").value_or(0));
      }
    }
  }
  collect_code_later(0);  // leftovers of functions deleted before a restart
  return Status::ok();
}

void Engine::shutdown() {
  gate_->close();  // waits for a running collect_code_later timer and worker tasks
  if (pool_) pool_->shutdown();
}

void Engine::serve_endpoint_with(std::function<void(int)> serve) {
  MutexLock l(endpoint_mu_);
  serve_endpoint_ = std::move(serve);
}

void Engine::note_endpoint(const std::string& url) {
  if (url.empty()) return;
  std::lock_guard l(mu_);
  if (endpoint_url_ == url) return;
  endpoint_url_ = url;
  for (auto& [n, f] : functions_) {
    rebuild_spec(*f, f->latest);
    for (auto& [k, v] : f->versions) rebuild_spec(*f, v);
  }
}

Output Engine::read(const std::string& name,
                    const std::function<Output(const Function&)>& fn) const {
  std::lock_guard l(mu_);
  auto f = find_locked(name);
  if (!f) return not_found(arn(name));
  return fn(*f);
}

void Engine::change(const std::string& name, const std::function<Output(Function&)>& fn,
                    Respond respond) {
  std::lock_guard l(mu_);
  auto f = find_locked(name);
  if (!f) return respond(not_found(arn(name)));
  auto out = fn(*f);
  if (!out) return respond(out.take_error());
  persist_locked(*f, std::move(respond), std::move(*out));
}

Output Engine::read_all(const std::function<Output(const FunctionTable&)>& fn) const {
  std::lock_guard l(mu_);
  return fn(functions_);
}

void Engine::create(const std::string& name, json::object config, std::vector<std::string> layers,
                    std::string zip, json::object tags, bool publish, Respond respond) {
  {
    std::lock_guard l(mu_);
    if (find_locked(name)) return respond(conflict("Function already exist: " + name));
  }
  post_work([this, name, zip = std::move(zip), config = std::move(config), tags = std::move(tags),
             layers = std::move(layers), publish, respond = std::move(respond)]() mutable {
    auto installed = code_->install(zip);
    if (!installed) return respond(installed.take_error());
    set_code(config, installed->info);
    config["LastModified"] = lambda_time(env_.clock.now_millis());
    config["RevisionId"] = new_revision_id();
    config["State"] = "Active";
    config["LastUpdateStatus"] = "Successful";
    std::lock_guard l(mu_);
    if (find_locked(name)) return respond(conflict("Function already exist: " + name));
    auto f = std::make_shared<Function>();
    f->name = name;
    f->latest.config = config;
    f->latest.code = installed->info.sha256_hex;
    f->latest.layers = std::move(layers);
    f->tags = std::move(tags);
    rebuild_spec(*f, f->latest);
    json::object out = as_pending(config, true);
    if (publish) out = as_pending(publish_locked(*f, ""), true);
    functions_[name] = f;
    stats_locked(name);
    persist_locked(*f, std::move(respond), std::move(out));
  });
}

void Engine::update_code(const std::string& name, std::string zip, json::object in,
                         Respond respond) {
  {
    std::lock_guard l(mu_);
    if (!find_locked(name)) return respond(not_found(arn(name)));
  }
  post_work([this, name, zip = std::move(zip), in = std::move(in),
             respond = std::move(respond)]() mutable {
    auto installed = code_->install(zip);
    if (!installed) return respond(installed.take_error());
    std::lock_guard l(mu_);
    auto f = find_locked(name);
    if (!f) return respond(not_found(arn(name)));
    if (auto st = check_revision(in, f->latest.config); !st) return respond(st.take_error());
    if (boolean(in, "DryRun").value_or(false)) {
      json::object c = f->latest.config;
      set_code(c, installed->info);
      collect_code_later(options_.code_gc_delay_ms);  // the code no version took
      return respond(std::move(c));
    }
    auto old_key = f->latest.spec ? f->latest.spec->pool_key() : std::string();
    auto& c = f->latest.config;
    set_code(c, installed->info);
    c["LastModified"] = lambda_time(env_.clock.now_millis());
    c["RevisionId"] = new_revision_id();
    code_->released(f->latest.code);
    f->latest.code = installed->info.sha256_hex;
    rebuild_spec(*f, f->latest);
    if (pool_ && !old_key.empty()) pool_->retire(old_key);
    json::object out = as_pending(c, false);
    if (boolean(in, "Publish").value_or(false)) out = as_pending(publish_locked(*f, ""), false);
    persist_locked(*f, std::move(respond), std::move(out));
    collect_code_later(options_.code_gc_delay_ms);
  });
}

void Engine::remove(const std::string& name, const std::string& qualifier, Respond respond) {
  std::lock_guard l(mu_);
  auto f = find_locked(name);
  if (!f) return respond(not_found(arn(name)));
  if (!qualifier.empty() && qualifier != "$LATEST") {
    uint64_t n = 0;
    auto r = std::from_chars(qualifier.data(), qualifier.data() + qualifier.size(), n);
    if (r.ec != std::errc() || r.ptr != qualifier.data() + qualifier.size()) {
      return respond(invalid("Deletion of aliases is not supported by DeleteFunction."));
    }
    auto it = f->versions.find(n);
    if (it == f->versions.end()) return respond(not_found(arn(name) + ":" + qualifier));
    for (const auto& [a, alias] : f->aliases) {
      if (str(alias, "FunctionVersion") == qualifier) {
        return respond(conflict(
            "Unable to delete version because the following aliases reference it: [" + a + "]"));
      }
    }
    if (pool_ && it->second.spec) pool_->retire(it->second.spec->pool_key());
    release_locked(it->second);
    f->versions.erase(it);
    collect_code_later(options_.code_gc_delay_ms);
    return persist_locked(*f, std::move(respond), json::object{});
  }
  if (pool_) {
    if (f->latest.spec) pool_->retire(f->latest.spec->pool_key());
    for (const auto& [n, v] : f->versions) {
      if (v.spec) pool_->retire(v.spec->pool_key());
    }
  }
  release_locked(f->latest);
  for (const auto& [n, v] : f->versions) release_locked(v);
  functions_.erase(name);
  collect_code_later(options_.code_gc_delay_ms);
  erase_locked(name, std::move(respond));
}

void Engine::publish_layer(const std::string& name, json::object version, std::string zip,
                           std::function<void(json::object&, int64_t)> fill, Respond respond) {
  post_work([this, name, version = std::move(version), zip = std::move(zip), fill = std::move(fill),
             respond = std::move(respond)]() mutable {
    auto installed = code_->install(zip);
    if (!installed) return respond(installed.take_error());
    auto& content = version["Content"].as_object();
    content["CodeSha256"] = installed->info.sha256_b64;
    content["CodeSize"] = installed->info.size;
    version["Code"] = installed->info.sha256_hex;
    // The pin lives until the version is in the table (collection reads it).
    layers_->publish(name, std::move(version), fill,
                     [pin = std::make_shared<CodeStore::Pin>(std::move(installed->pin)),
                      respond = std::move(respond)](Result<json::object> out) {
                       if (!out) return respond(out.take_error());
                       out->erase("Code");
                       out->erase("Policy");
                       respond(std::move(*out));
                     });
  });
}

void Engine::delete_layer_version(const std::string& name, int64_t version, Respond respond) {
  layers_->remove(name, version,
                  [this, gate = gate_, respond = std::move(respond)](Result<std::string> code) {
                    if (!code) return respond(code.take_error());
                    if (!code->empty()) {
                      auto in = gate->hold();
                      if (in) {
                        code_->released(*code);
                        collect_code_later(options_.code_gc_delay_ms);
                      }
                    }
                    respond(json::object{});
                  });
}

json::object Engine::publish_locked(Function& f, const std::string& description) {
  if (!f.versions.empty()) {
    auto& newest = f.versions.rbegin()->second;
    if (str(newest.config, "CodeSha256") == str(f.latest.config, "CodeSha256") &&
        newest.source_revision == str(f.latest.config, "RevisionId")) {
      return newest.config;
    }
  }
  uint64_t n = ++f.last_version;
  Version v;
  v.config = f.latest.config;
  v.config["Version"] = std::to_string(n);
  v.config["FunctionArn"] = arn(f.name) + ":" + std::to_string(n);
  v.config["RevisionId"] = new_revision_id();
  if (!description.empty()) v.config["Description"] = description;
  v.code = f.latest.code;
  v.layers = f.latest.layers;
  rebuild_spec(f, v);
  v.source_revision = str(f.latest.config, "RevisionId");
  json::object out = v.config;
  f.versions[n] = std::move(v);
  return out;
}

void Engine::reconfigured_locked(Function& f) {
  auto old_key = f.latest.spec ? f.latest.spec->pool_key() : std::string();
  rebuild_spec(f, f.latest);
  if (pool_ && !old_key.empty()) pool_->retire(old_key);
}

void Engine::set_layers_locked(Function& f, std::vector<std::string> layers) {
  if (layers == f.latest.layers) return;
  release_locked(f.latest, false);
  f.latest.layers = std::move(layers);
  collect_code_later(options_.code_gc_delay_ms);
}

void Engine::release_locked(const Version& v, bool code) {
  if (code) code_->released(v.code);
  for (const auto& l : v.layers) code_->released(l);
  if (!v.layers.empty()) code_->released(CodeStore::layers_key(v.layers));
}

void Engine::unprovision_locked(const std::string& name, const std::string& qualifier) {
  provisioned_ready_.erase(name + ":" + qualifier);
}

size_t Engine::provisioned_ready_locked(const std::string& name,
                                        const std::string& qualifier) const {
  auto it = provisioned_ready_.find(name + ":" + qualifier);
  return it == provisioned_ready_.end() ? 0 : it->second;
}

void Engine::post_work(std::function<void()> work) {
  auto in = gate_->hold();
  if (!in) return;
  env_.workers.post([in, work = std::move(work)] { work(); });
}

std::string Engine::arn(const std::string& name) const {
  return function_arn(env_.settings.region, env_.settings.account_id, name);
}

void Engine::set_role_credentials(runtime::CredentialSource source) {
  std::lock_guard l(credentials_mu_);
  role_credentials_ = std::move(source);
}

void Engine::set_role_check(RoleCheck check) {
  std::lock_guard l(credentials_mu_);
  role_check_ = std::move(check);
}

Status Engine::check_role(const std::string& role) const {
  RoleCheck check;
  {
    std::lock_guard l(credentials_mu_);
    check = role_check_;
  }
  return check ? check(role) : Status::ok();
}

std::string Engine::endpoint_url() const {
  std::lock_guard l(mu_);
  return endpoint_url_;
}

void Engine::prewarm_locked(Function& f, const std::string& qualifier, int64_t n) {
  std::string key = f.name + ":" + qualifier;
  provisioned_ready_[key] = 0;
  auto target = resolve_locked(f, qualifier);
  if (!pool_ || !target || n <= 0) return;
  // On a worker: the code may have to be unpacked from its blob first.
  post_work([this, code = code_, spec = target->spec, sha = target->code, key, n] {
    if (auto st = code->ensure(sha); !st) {
      spdlog::error("lambda: provisioned concurrency for {}: {}", key, st.error().message);
      return;
    }
    // The pool calls back on the runtime loop, never inline, so mu_ is free then.
    pool_->prewarm(spec, static_cast<size_t>(n), [this, gate = gate_, key](size_t ready) {
      auto in = gate->hold();
      if (!in) return;
      std::lock_guard l(mu_);
      provisioned_ready_[key] = ready;
    });
  });
}

std::shared_ptr<Function> Engine::find_locked(const std::string& name) const {
  auto it = functions_.find(name);
  return it == functions_.end() ? nullptr : it->second;
}

void Engine::rebuild_spec(const Function& f, Version& v) const {
  auto spec = std::make_shared<runtime::FunctionSpec>();
  const auto& c = v.config;
  spec->name = f.name;
  spec->version = str(c, "Version").empty() ? "$LATEST" : str(c, "Version");
  spec->revision = str(c, "RevisionId");
  spec->arn = arn(f.name);
  spec->runtime = str(c, "Runtime");
  spec->handler = str(c, "Handler");
  spec->code_dir = code_->dir_of(v.code);
  if (!v.layers.empty()) spec->layers_dir = code_->dir_of(CodeStore::layers_key(v.layers));
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
  spec->role_arn = str(c, "Role");
  spec->endpoint_url = endpoint_url_;
  v.spec = std::move(spec);
}

std::shared_ptr<FunctionStats> Engine::stats_locked(const std::string& name) {
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

void Engine::persist_locked(const Function& f, Respond respond, json::object out) {
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

void Engine::erase_locked(const std::string& name, Respond respond) {
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

void Engine::collect_code_later(int64_t delay_ms) {
  // Code released after this call (CodeStore::released) is kept by
  // this collection: each release waits out its own delay. The references
  // are read on the scheduler thread, inside gate_ (shutdown() waits for
  // it); the removal runs on a worker, inside gate_ too.
  uint64_t since = code_->epoch();
  env_.scheduler.after(std::chrono::milliseconds(delay_ms), [this, gate = gate_, since] {
    auto in = gate->hold();
    if (!in) return;
    std::set<std::string> referenced;
    {
      std::lock_guard l(mu_);
      auto add = [&referenced](const Version& v) {
        referenced.insert(v.code);
        referenced.insert(v.layers.begin(), v.layers.end());
        if (!v.layers.empty()) referenced.insert(CodeStore::layers_key(v.layers));
      };
      for (const auto& [name, f] : functions_) {
        add(f->latest);
        for (const auto& [n, v] : f->versions) add(v);
      }
    }
    referenced.merge(layers_->codes());
    post_work([code = code_, referenced = std::move(referenced), since] {
      if (size_t n = code->collect(referenced, since); n > 0) {
        spdlog::info("lambda: removed {} unreferenced codes", n);
      }
    });
  });
}

int64_t Engine::reserved_sum_locked() const {
  int64_t sum = 0;
  for (const auto& [n, f] : functions_) sum += f->reserved.value_or(0);
  return sum;
}

Result<Target> Engine::resolve_locked(Function& f, const std::string& qualifier) {
  Target t;
  t.qualifier = qualifier;
  t.invoked_arn = arn(f.name) + (qualifier.empty() ? "" : ":" + qualifier);
  std::string version = qualifier.empty() ? "$LATEST" : qualifier;
  if (auto a = f.aliases.find(version); a != f.aliases.end()) {
    version = str(a->second, "FunctionVersion");
    if (const auto* rc = a->second.if_contains("RoutingConfig"); rc && rc->is_object()) {
      if (const auto* w = rc->as_object().if_contains("AdditionalVersionWeights");
          w && w->is_object()) {
        double r = uniform01();
        for (const auto& [v, weight] : w->as_object()) {
          double x = weight.is_number() ? weight.to_number<double>() : 0;
          if (r < x) {
            version = std::string(v);
            break;
          }
          r -= x;
        }
      }
    }
  }
  Version* v = nullptr;
  if (version == "$LATEST") {
    v = &f.latest;
  } else {
    uint64_t n = 0;
    auto r = std::from_chars(version.data(), version.data() + version.size(), n);
    auto it = f.versions.find(n);
    if (r.ec != std::errc() || it == f.versions.end()) return not_found(t.invoked_arn);
    v = &it->second;
  }
  t.spec = v->spec;
  t.code = v->code;
  t.layers = v->layers;
  t.executed_version = version;
  t.stats = stats_locked(f.name);
  t.reserved = f.reserved;
  t.unreserved_cap = options_.account_concurrency - reserved_sum_locked();
  auto eic = f.event_config.find(qualifier.empty() ? "$LATEST" : qualifier);
  if (eic != f.event_config.end()) t.event_config = eic->second;
  if (const auto* d = v->config.if_contains("DeadLetterConfig"); d && d->is_object()) {
    t.dead_letter = d->as_object();
  }
  return t;
}

Result<Target> Engine::resolve(const std::string& name, const std::string& qualifier) {
  std::lock_guard l(mu_);
  auto f = find_locked(name);
  if (!f) return not_found(arn(name) + (qualifier.empty() ? "" : ":" + qualifier));
  return resolve_locked(*f, qualifier);
}

void Engine::run(Target target, runtime::InvokeRequest request,
                 std::function<void(Result<runtime::InvokeResult>)> done) {
  auto stats = target.stats;
  bool reserved = target.reserved.has_value();
  if (reserved) {
    if (*target.reserved == 0 || stats->in_flight.fetch_add(1) >= *target.reserved) {
      if (*target.reserved != 0) stats->in_flight.fetch_sub(1);
      stats->throttles->add();
      publish_function_metrics(metrics_, target.invoked_arn, env_.clock.now_millis(),
                               {{"Throttles", 1, "Count"}});
      return done(throttled("ReservedFunctionConcurrentInvocationLimitExceeded"));
    }
  } else {
    if (unreserved_in_flight_.fetch_add(1) >= target.unreserved_cap) {
      unreserved_in_flight_.fetch_sub(1);
      stats->throttles->add();
      publish_function_metrics(metrics_, target.invoked_arn, env_.clock.now_millis(),
                               {{"Throttles", 1, "Count"}});
      return done(throttled("ConcurrentInvocationLimitExceeded"));
    }
    stats->in_flight.fetch_add(1);
  }
  auto release = [this, stats, reserved] {
    stats->in_flight.fetch_sub(1);
    if (!reserved) unreserved_in_flight_.fetch_sub(1);
  };
  if (!pool_) {
    release();
    return done(service_error("Execution environments are unavailable"));
  }
  if (request.invoked_arn.empty()) request.invoked_arn = target.invoked_arn;
  std::string layers_key = target.layers.empty() ? "" : CodeStore::layers_key(target.layers);
  if (code_->cached(target.code) && (layers_key.empty() || code_->cached(layers_key)))
    return start_invoke(std::move(target), std::move(request), std::move(done));
  // First use of this code since start-up (or since an environment failed
  // to start): make sure its unpacked tree exists, rebuilding it from the
  // blob on a worker, before the runtime mounts it.
  // Inside gate_ while it runs: shutdown() waits for it before the pool goes.
  post_work([this, code = code_, target = std::move(target), request = std::move(request),
             done = std::move(done), release, layers_key]() mutable {
    Status st = code->ensure(target.code);
    if (st && !layers_key.empty()) st = code->ensure_layers(layers_key, target.layers);
    if (!st) {
      release();
      return done(service_error("The function's code is unavailable: " + st.error().message));
    }
    start_invoke(std::move(target), std::move(request), std::move(done));
  });
}

void Engine::start_invoke(Target target, runtime::InvokeRequest request,
                          std::function<void(Result<runtime::InvokeResult>)> done) {
  auto stats = target.stats;
  bool reserved = target.reserved.has_value();
  stats->invocations->add();
  stats->concurrent->set(stats->in_flight.load());
  std::string invoked = request.invoked_arn;
  pool_->invoke(target.spec, std::move(request),
                [this, gate = gate_, stats, reserved, code = code_, sha = std::move(target.code),
                 invoked = std::move(invoked), layers = std::move(target.layers),
                 done = std::move(done)](runtime::InvokeResult r) {
                  stats->in_flight.fetch_sub(1);
                  stats->concurrent->set(stats->in_flight.load());
                  // The pool ends before the engine: `this` is alive here.
                  if (!reserved && !gate->closed()) unreserved_in_flight_.fetch_sub(1);
                  stats->duration->observe(std::chrono::duration<double>(r.duration).count());
                  if (r.status != runtime::InvokeStatus::kOk) stats->errors->add();
                  if (!gate->closed()) {
                    bool failed = r.status != runtime::InvokeStatus::kOk;
                    publish_function_metrics(
                        metrics_, invoked, env_.clock.now_millis(),
                        {{"Invocations", 1, "Count"},
                         {"Errors", failed ? 1.0 : 0.0, "Count"},
                         {"Duration", r.duration.count() / 1000.0, "Milliseconds"}});
                  }
                  // An environment that could not start may have met a
                  // removed cache directory: look again on the next call.
                  if (r.status == runtime::InvokeStatus::kInternal ||
                      r.status == runtime::InvokeStatus::kInitError) {
                    code->forget(sha);
                    if (!layers.empty()) code->forget(CodeStore::layers_key(layers));
                  }
                  done(std::move(r));
                });
}

}  // namespace nimbus::services::lambda
