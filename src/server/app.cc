#include "server/app.h"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <future>
#include <thread>

#include "auth/sigv4.h"
#include "common/metrics.h"
#include "common/mutex.h"
#include "common/scheduler.h"
#include "common/worker_pool.h"
#include "http/server.h"
#include "protocol/engine.h"
#include "server/admin.h"
#include "server/cfn_response.h"
#include "server/condition_keys.h"
#include "server/router.h"
#include "server/s3_cors.h"
#include "server/s3_post_auth.h"
#include "server/user_routes.h"
#include "services/apigateway/apigateway_service.h"
#include "services/apigateway/apigatewayv2_service.h"
#include "services/lambda/lambda_service.h"
#include "services/registry.h"
#include "services/s3/cors_rules.h"
#include "services/s3/s3_service.h"
#include "services/sns/signing.h"
#include "services/sns/sns_service.h"
#include "storage/storage.h"

namespace nimbus::server {

namespace {

// The credentials given on the command line (the account's root), then
// the access keys and role sessions IAM holds.
class ServerCredentials final : public auth::CredentialProvider {
 public:
  ServerCredentials(auth::Credentials root, const services::iam::Directory& iam)
      : root_(std::make_shared<auth::Credentials>(std::move(root))), iam_(iam) {}
  std::shared_ptr<const auth::Credentials> find(std::string_view akid) const override {
    if (akid == root_->access_key_id) return root_;
    auto key = iam_.find_key(akid);
    if (!key) return nullptr;
    auto c = std::make_shared<auth::Credentials>();
    c->access_key_id = key->access_key_id;
    c->secret_access_key = key->secret_access_key;
    c->account_id = key->account_id;
    c->session_token = key->session_token;
    c->expiration = key->expiration;
    c->principal_arn = key->principal_arn;
    c->principal_id = key->principal_id;
    return c;
  }

 private:
  std::shared_ptr<const auth::Credentials> root_;
  const services::iam::Directory& iam_;
};

// AWS_IAM user requests (API Gateway methods and routes, function URLs)
// are verified as AWS API requests are: the same credentials and SigV4.
class UserRequestVerifier final : public services::apigateway::RequestVerifier {
 public:
  UserRequestVerifier(const ServerCredentials& credentials, const Clock& clock,
                      std::string root_key)
      : credentials_(credentials), clock_(clock), root_key_(std::move(root_key)) {}

  Result<services::apigateway::Caller> verify(http::Request& request,
                                              std::string_view service) const override {
    auto verified = auth::verify(request, credentials_, clock_.now());
    if (!verified) return verified.take_error();
    if (verified->scope.service != service) {
      return Error::make(
          "IncompleteSignature",
          "Credential should be scoped to correct service: '" + std::string(service) + "'. ", 403);
    }
    const auto& c = *verified->credentials;
    services::apigateway::Caller caller;
    caller.access_key_id = c.access_key_id;
    caller.account_id = c.account_id;
    caller.root = c.access_key_id == root_key_ && c.principal_arn.empty();
    caller.principal_arn = caller.root ? "arn:aws:iam::" + c.account_id + ":root" : c.principal_arn;
    caller.principal_id = caller.root ? c.account_id : c.principal_id;
    return caller;
  }

 private:
  const ServerCredentials& credentials_;
  const Clock& clock_;
  std::string root_key_;
};

// The host local clients (functions, tools) reach a server bound to `bind` at.
std::string endpoint_host(const std::string& bind) {
  if (bind.empty() || bind == "0.0.0.0" || bind == "localhost") return "127.0.0.1";
  if (bind == "::") return "[::1]";
  if (bind.find(':') != std::string::npos) return "[" + bind + "]";
  return bind;
}

bool is_loopback(const std::string& bind) {
  return bind == "localhost" || bind == "::1" || bind.starts_with("127.");
}

unsigned cores() {
  return std::max(1u, std::thread::hardware_concurrency());
}

// Hands the edge the connections functions make to nimbus inside their own
// network namespaces (--lambda-network none), while the edge exists: they
// arrive on the runtime's loop, which outlives the edge at shutdown.
class EdgeAdopter {
 public:
  void set(http::Server* edge) {
    MutexLock l(mu_);
    edge_ = edge;
  }
  void adopt(int fd) {
    MutexLock l(mu_);
    if (edge_ != nullptr)
      edge_->adopt(fd);
    else
      ::close(fd);
  }

 private:
  Mutex mu_;
  http::Server* edge_ GUARDED_BY(mu_) = nullptr;
};

}  // namespace

struct App::Impl {
  ServeOptions options;
  SystemClock clock;
  Metrics metrics;
  services::Settings settings;
  std::unique_ptr<storage::Storage> storage;
  std::unique_ptr<WorkerPool> workers;
  std::unique_ptr<Scheduler> scheduler;
  events::Targets targets;
  std::unique_ptr<services::Environment> env;
  std::unique_ptr<services::Registry> services;
  std::unique_ptr<protocol::ModelRegistry> models;
  std::unique_ptr<ServerCredentials> credentials;
  std::unique_ptr<UserRequestVerifier> user_verifier;
  std::unique_ptr<Access> access;
  std::unique_ptr<Router> router;
  // S3's CORS rules (preflights and response headers, s3_cors.h); set with
  // the router.
  std::unique_ptr<services::s3::BucketCors> s3_cors;
  // S3's browser POST uploads: the form's signature and IAM (s3_post_auth.h).
  std::unique_ptr<S3PostAuth> s3_post_auth;
  // User APIs (API Gateway, function URLs, S3 websites): their services
  // add a handler here in start() (Environment::user_apis).
  std::unique_ptr<UserRoutes> user_routes;
  AdminInfo admin;
  std::unique_ptr<http::Server> edge;
  std::shared_ptr<EdgeAdopter> edge_adopter = std::make_shared<EdgeAdopter>();
};

App::App(ServeOptions options) : impl_(std::make_unique<Impl>()) {
  impl_->options = std::move(options);
}

App::~App() {
  shutdown();
}

Result<uint16_t> App::start() {
  auto& s = *impl_;
  const auto& o = s.options;
  s.admin.started = std::chrono::steady_clock::now();

  if (o.auth == AuthMode::kStrict && !is_loopback(o.bind) && o.access_key == "test" &&
      o.secret_key == "test") {
    spdlog::warn(
        "nimbus is bound to {} with the development credentials test/test: anyone who can reach "
        "this address can use it. Pass --access-key and --secret-key.",
        o.bind);
  }
  if (o.auth == AuthMode::kOff) {
    spdlog::warn("--auth off: requests are not authenticated");
  }

  storage::Options storage_options;
  storage_options.data_dir = o.data_dir;
  storage_options.durability =
      o.durability == Durability::kSync ? storage::Durability::kSync : storage::Durability::kAsync;
  storage_options.sync_write_seconds =
      &s.metrics.histogram("nimbus_storage_sync_write_seconds", {},
                           "a commit round's write with its WAL fsync (sync durability)");
  auto opened = storage::Storage::open(std::move(storage_options));
  if (!opened) return opened.take_error();
  s.storage = std::move(opened).value();

  // The port is bound (connections wait in the backlog) before services
  // start, so that what they resume at start-up (Step Functions calling a
  // function, a Scheduler firing) already knows where the server answers.
  http::ServerOptions edge_options;
  edge_options.bind = o.bind;
  edge_options.port = o.port;
  edge_options.threads = o.threads;
  edge_options.max_header_bytes = o.max_header_bytes;
  edge_options.max_body_bytes = o.max_body_bytes;
  edge_options.stream_bodies_over = o.stream_bodies_over;
  edge_options.idle_timeout = o.idle_timeout;
  edge_options.request_timeout = o.request_timeout;
  s.edge = std::make_unique<http::Server>(
      edge_options, [this](http::Request request, http::Reply reply) {
        auto& s = *impl_;
        if (is_admin_path(request.path())) {
          publish_stats();
          reply(handle_admin(request, s.admin, s.metrics));
          return;
        }
        if (is_cfn_response_path(request.path())) {
          handle_cfn_response(request, std::move(reply), s.targets, s.settings.region,
                              s.settings.account_id);
          return;
        }
        if (s.user_routes->dispatch(request, reply)) return;
        if (s.s3_cors != nullptr) {
          if (auto preflight = s3_preflight(*s.s3_cors, request)) {
            reply(std::move(*preflight));
            return;
          }
          if (auto cors = s3_cors_headers(*s.s3_cors, request); !cors.empty()) {
            reply = [reply = std::move(reply), cors = std::move(cors)](http::Response r) mutable {
              for (auto& [name, value] : cors) r.set_header(std::move(name), std::move(value));
              reply(std::move(r));
            };
          }
        }
        s.router->handle(std::move(request), std::move(reply));
      });
  auto port = s.edge->listen();
  if (!port) return port.take_error();
  std::string endpoint_url = "http://" + endpoint_host(o.bind) + ":" + std::to_string(*port);

  s.workers = std::make_unique<WorkerPool>(o.workers ? o.workers : 4 * cores());
  s.settings.region = o.region;
  s.settings.account_id = o.account_id;
  s.settings.data_dir = o.data_dir;
  s.settings.service_options = o.service_options;
  // Where this server answers: what functions call back into (Lambda), known
  // before services start and resume work.
  s.settings.service_options["server.endpoint_url"] = endpoint_url;
  // IAM decides who may assume a role (STS, Lambda's execution roles) by it.
  s.settings.service_options["iam.mode"] = o.iam == IamMode::kEnforce ? "enforce"
                                           : o.iam == IamMode::kAudit ? "audit"
                                                                      : "off";
  s.scheduler = std::make_unique<Scheduler>(s.clock);
  s.user_routes = std::make_unique<UserRoutes>(o.region);
  s.env = std::make_unique<services::Environment>(
      services::Environment{s.settings, s.clock, s.storage.get(), *s.workers, *s.scheduler,
                            s.metrics, s.targets, s.user_routes.get()});
  s.services = std::make_unique<services::Registry>(*s.env);
  if (auto* lambda = dynamic_cast<services::lambda::LambdaService*>(s.services->find("lambda"))) {
    s.edge_adopter->set(s.edge.get());
    lambda->serve_endpoint_with([adopter = s.edge_adopter](int fd) { adopter->adopt(fd); });
  }
  // Calls made as a role are decided on their input's condition keys too.
  s.services->use_condition_keys(request_condition_keys);
  if (auto st = s.services->start(); !st) return st.take_error();
  s.models = std::make_unique<protocol::ModelRegistry>(s.services->model_names());
  auth::Credentials credentials;
  credentials.access_key_id = o.access_key;
  credentials.secret_access_key = o.secret_key;
  credentials.account_id = o.account_id;
  s.credentials = std::make_unique<ServerCredentials>(std::move(credentials), s.services->iam());
  s.access =
      std::make_unique<Access>(o.iam, s.services->iam(), o.data_dir + "/audit.jsonl", s.clock);
  s.user_verifier = std::make_unique<UserRequestVerifier>(*s.credentials, s.clock, o.access_key);
  if (auto* rest =
          dynamic_cast<services::apigateway::RestApiService*>(s.services->find("apigateway"))) {
    rest->use_iam(s.user_verifier.get(), &s.services->iam());
  }
  if (auto* http =
          dynamic_cast<services::apigateway::HttpApiService*>(s.services->find("apigatewayv2"))) {
    http->use_iam(s.user_verifier.get(), &s.services->iam());
  }
  if (o.iam != IamMode::kOff) {
    spdlog::info("iam: {} (denials and IAM/STS changes are logged to {}/audit.jsonl)",
                 o.iam == IamMode::kEnforce ? "policies enforced" : "audit only", o.data_dir);
  }
  if (auto* s3 = dynamic_cast<services::s3::S3Service*>(s.services->find("s3"))) {
    s.s3_cors = std::make_unique<services::s3::BucketCors>(s3->objects());
    s.s3_post_auth =
        std::make_unique<S3PostAuth>(s.options, *s.credentials, s.clock, s.access.get(), *s3);
    s3->use_post_auth(s.s3_post_auth.get());
  }
  s.router = std::make_unique<Router>(o, s.clock, *s.models, *s.services, *s.credentials, s.metrics,
                                      s.access.get());
  s.admin.services = s.services->model_names();
  s.admin.data_dir = o.data_dir;
  s.admin.durability = o.durability == Durability::kSync ? "sync" : "async";
  if (auto* sns = dynamic_cast<services::sns::SnsService*>(s.services->find("sns"))) {
    if (const services::sns::Signer* signer = sns->signer()) {
      s.admin.sns_signing_cert = [signer] {
        return signer->ready() ? signer->certificate_pem() : std::string();
      };
    }
  }

  return s.edge->start();
}

// Copies the edge's and storage's own counters into the registry, so one
// scrape of /_nimbus/metrics shows them beside the request metrics.
void App::publish_stats() {
  auto& s = *impl_;
  auto& m = s.metrics;
  auto set = [&](const char* name, const char* help, uint64_t v) {
    m.gauge(name, {}, help).set(static_cast<int64_t>(v));
  };
  if (s.edge) {
    auto e = s.edge->stats();
    set("nimbus_http_connections_open", "open client connections", e.connections_open);
    set("nimbus_http_connections_accepted", "connections accepted since start",
        e.connections_total);
    set("nimbus_http_requests", "requests handled since start", e.requests);
    set("nimbus_http_bad_requests", "requests the edge rejected as malformed", e.bad_requests);
    set("nimbus_http_in_flight", "requests not yet answered", e.in_flight);
  }
  if (s.storage) {
    auto st = s.storage->stats();
    set("nimbus_storage_commits", "write batches acknowledged since start", st.commits);
    set("nimbus_storage_fsyncs", "WAL fsyncs since start (group commit shares them)", st.syncs);
  }
}

void App::shutdown() {
  auto& s = *impl_;
  if (s.edge) {
    s.edge->stop_accepting();
    for (const auto& service : s.services->all()) service->begin_shutdown();
    if (!s.edge->drain(s.options.drain_timeout)) {
      spdlog::warn("shutdown: requests still in flight after {} ms; closing them",
                   s.options.drain_timeout.count());
    }
    s.edge_adopter->set(nullptr);
    s.edge->stop();
    s.edge.reset();
  }
  s.router.reset();
  s.s3_cors.reset();
  s.user_routes.reset();
  // The services go while the Scheduler is alive but cannot fire: its
  // thread is parked in one callback of ours. Their destructors cancel
  // timers (storage::Timers, CloudFormation's response waits, long-poll
  // waiters), so the Scheduler must outlive them, and no timer may fire
  // into a service being destroyed. Then the Scheduler is destroyed from a
  // thread of its own, which sets its stop flag and joins; the parked
  // callback is let go after that thread has had 20 ms to set the flag, so
  // pending timers are dropped, not run (only one already due in that very
  // instant could still run, and by then every service's timers are
  // cancelled or gated).
  if (s.scheduler) {
    std::promise<void> parked;
    std::promise<void> release;
    std::shared_future<void> released = release.get_future().share();
    s.scheduler->after(std::chrono::milliseconds(0), [&parked, released] {
      parked.set_value();
      released.wait();
    });
    parked.get_future().wait();
    s.services.reset();
    std::thread stopper([&s] { s.scheduler.reset(); });
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    release.set_value();
    stopper.join();
  }
  s.services.reset();
  s.workers.reset();  // finishes queued blocking work
  if (s.storage) {
    if (auto st = s.storage->close(); !st) {
      spdlog::error("shutdown: storage did not close cleanly: {}", st.error().message);
    }
    s.storage.reset();
  }
}

}  // namespace nimbus::server
