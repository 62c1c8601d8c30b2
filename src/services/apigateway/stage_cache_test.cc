// REST API stage caches: which methods cache, cache keys, Cache-Control:
// max-age=0, the byte bound and TTLs of StageCache on its own, then a cached
// method on the service (a counting Lambda double) on the simulated clock:
// hits within the TTL, misses after it, FlushStageCache, invalidation
// strategies and the stage's cache cluster settings.
#include "services/apigateway/stage_cache.h"

#include <gtest/gtest.h>

#include <atomic>

#include "services/apigateway/apigateway_service.h"
#include "services/apigateway/apigatewayv2_service.h"
#include "services/apigateway/proxy.h"
#include "services/apigateway/test_rest_api.h"
#include "services/testing/service_fixture.h"

namespace nimbus::services::apigateway {
namespace {

namespace json = boost::json;
using std::chrono::seconds;
using testing::ServiceTest;

json::object stage_with(json::object settings, bool cluster = true) {
  return json::object{{"cacheClusterEnabled", cluster}, {"methodSettings", std::move(settings)}};
}

TEST(StageCacheSettings, OnlyEnabledMethodsOfACachingStageCache) {
  json::object on{{"cachingEnabled", true}, {"cacheTtlInSeconds", 60}};
  EXPECT_FALSE(rest_method_cache(stage_with({{"*/*", on}}, false), "/pets", "GET"));
  EXPECT_FALSE(rest_method_cache(stage_with({}), "/pets", "GET"));
  auto get = rest_method_cache(stage_with({{"*/*", on}}), "/pets", "GET");
  ASSERT_TRUE(get);
  EXPECT_EQ(get->ttl, seconds(60));
  EXPECT_TRUE(get->require_authorization);
  EXPECT_EQ(get->unauthorized_strategy, "SUCCEED_WITH_RESPONSE_HEADER");
  // "*/*" caches GETs only; a method's own setting caches any method.
  EXPECT_FALSE(rest_method_cache(stage_with({{"*/*", on}}), "/pets", "POST"));
  EXPECT_TRUE(rest_method_cache(stage_with({{"~1pets/POST", on}}), "/pets", "POST"));
  // The method's own setting wins over "*/*", also to turn caching off.
  json::object off{{"cachingEnabled", false}};
  EXPECT_FALSE(rest_method_cache(stage_with({{"*/*", on}, {"~1pets/GET", off}}), "/pets", "GET"));
  // TTL 0 disables; no TTL is AWS's 300 s.
  json::object zero{{"cachingEnabled", true}, {"cacheTtlInSeconds", 0}};
  EXPECT_FALSE(rest_method_cache(stage_with({{"*/*", zero}}), "/pets", "GET"));
  auto dflt = rest_method_cache(stage_with({{"*/*", {{"cachingEnabled", true}}}}), "/pets", "GET");
  ASSERT_TRUE(dflt);
  EXPECT_EQ(dflt->ttl, seconds(300));
}

TEST(StageCacheSettings, KeysComeFromTheCacheKeyParameters) {
  http::Request req;
  req.method = "GET";
  req.target = "/prod/pets/7?type=dog&type=cat&page=2";
  req.headers = {{"accept-language", "fr"}};
  ProxyRequest p;
  p.request = &req;
  p.resource_id = "res1";
  p.path_params = {{"id", "7"}};
  json::object none{{"cacheNamespace", "res1"}, {"cacheKeyParameters", json::array()}};
  json::object keyed{{"cacheNamespace", "res1"},
                     {"cacheKeyParameters", json::array{"method.request.querystring.type",
                                                        "method.request.header.Accept-Language",
                                                        "method.request.path.id"}}};
  std::string plain = cache_key(none, "GET", p);
  std::string k = cache_key(keyed, "GET", p);
  EXPECT_NE(plain, k);
  // Path parameters outside cacheKeyParameters are not part of the key.
  p.path_params["id"] = "8";
  EXPECT_EQ(cache_key(none, "GET", p), plain);
  EXPECT_NE(cache_key(keyed, "GET", p), k);
  p.path_params["id"] = "7";
  EXPECT_EQ(cache_key(keyed, "GET", p), k);
  req.headers = {{"accept-language", "de"}};
  EXPECT_NE(cache_key(keyed, "GET", p), k);
  // A parameter that is absent and one that is empty differ.
  req.headers = {};
  std::string absent = cache_key(keyed, "GET", p);
  req.headers = {{"accept-language", ""}};
  EXPECT_NE(cache_key(keyed, "GET", p), absent);
  // The method and the namespace are part of it.
  EXPECT_NE(cache_key(none, "POST", p), plain);
  json::object other{{"cacheNamespace", "shared"}};
  EXPECT_NE(cache_key(other, "GET", p), plain);
}

TEST(StageCacheSettings, CacheControlMaxAgeZeroAsksForAFreshAnswer) {
  http::Request r;
  EXPECT_FALSE(wants_fresh(r));
  r.headers = {{"cache-control", "no-store, Max-Age=0"}};
  EXPECT_TRUE(wants_fresh(r));
  r.headers = {{"cache-control", "max-age=00"}};
  EXPECT_FALSE(wants_fresh(r));
  r.headers = {{"cache-control", "max-age=60"}};
  EXPECT_FALSE(wants_fresh(r));
}

TEST(StageCacheSettings, ClusterSizes) {
  EXPECT_TRUE(valid_cache_cluster_size("0.5"));
  EXPECT_TRUE(valid_cache_cluster_size("237"));
  EXPECT_FALSE(valid_cache_cluster_size("1"));
  EXPECT_EQ(cache_capacity_bytes(json::object()), size_t{512} * 1024 * 1024);
  EXPECT_EQ(cache_capacity_bytes(json::object{{"cacheClusterSize", "118"}}),
            size_t{118} * 1024 * 1024 * 1024);
}

http::Response answer_of(size_t body_bytes) {
  http::Response r;
  r.body.assign(body_bytes, 'x');
  return r;
}

TEST(StageCache, EntriesExpireAndTheLeastRecentlyUsedGoFirst) {
  StageCache c;
  std::chrono::nanoseconds t0 = seconds(100);
  c.put("a\nprod", 1000, "k1", answer_of(300), t0 + seconds(10));
  ASSERT_TRUE(c.find("a\nprod", "k1", t0));
  EXPECT_FALSE(c.find("a\nother", "k1", t0));
  EXPECT_FALSE(c.find("a\nprod", "k1", t0 + seconds(10)));  // expired, and dropped
  EXPECT_EQ(c.entries("a\nprod"), 0u);
  // Three of ~300 bytes fit in 1000; a fourth evicts the least recently used.
  c.put("a\nprod", 1000, "k1", answer_of(300), t0 + seconds(10));
  c.put("a\nprod", 1000, "k2", answer_of(300), t0 + seconds(10));
  c.put("a\nprod", 1000, "k3", answer_of(300), t0 + seconds(10));
  EXPECT_TRUE(c.find("a\nprod", "k1", t0));  // k2 is now the oldest used
  c.put("a\nprod", 1000, "k4", answer_of(300), t0 + seconds(10));
  EXPECT_TRUE(c.find("a\nprod", "k1", t0));
  EXPECT_FALSE(c.find("a\nprod", "k2", t0));
  EXPECT_TRUE(c.find("a\nprod", "k4", t0));
  EXPECT_LE(c.bytes("a\nprod"), 1000u);
  // Too large for the bound or for AWS's 1 MB entry limit: not kept.
  c.put("a\nprod", 1000, "big", answer_of(2000), t0 + seconds(10));
  EXPECT_FALSE(c.find("a\nprod", "big", t0));
  c.put("a\nprod", size_t{1} << 30, "huge", answer_of(StageCache::kMaxEntryBytes),
        t0 + seconds(10));
  EXPECT_FALSE(c.find("a\nprod", "huge", t0));
  // Flushes: one stage, every stage of an API.
  c.put("a\ndev", 1000, "k1", answer_of(10), t0 + seconds(10));
  c.put("ab\nprod", 1000, "k1", answer_of(10), t0 + seconds(10));
  c.flush("a\nprod");
  EXPECT_EQ(c.entries("a\nprod"), 0u);
  EXPECT_EQ(c.entries("a\ndev"), 1u);
  c.flush_api("a");
  EXPECT_EQ(c.entries("a\ndev"), 0u);
  EXPECT_EQ(c.entries("ab\nprod"), 1u);
}

// Counts its invocations and answers with the count.
struct CountingFunctions final : lambda::Functions {
  void invoke_sync(lambda::SyncInvoke,
                   std::function<void(Result<lambda::SyncResult>)> done) override {
    int n = ++calls;
    done(lambda::SyncResult{
        false, R"({"statusCode":200,"body":"call )" + std::to_string(n) + R"("})", "$LATEST"});
  }
  std::optional<lambda::UrlTarget> function_url(const std::string&) const override {
    return std::nullopt;
  }
  std::atomic<int> calls{0};
};

class StageCacheTest : public RestApiFixture<CountingFunctions> {
 protected:
  // GET /pets/{id} (cache key: the querystring `type`) deployed to "prod"
  // with its cache cluster on and "*/*" caching for 60 s.
  void make_api() {
    auto api = call("CreateRestApi", {{"name", "cached"}});
    id = s(api["id"]);
    auto pets = s(call(
        "CreateResource",
        {{"restApiId", id}, {"parentId", s(api["rootResourceId"])}, {"pathPart", "pets"}})["id"]);
    auto one = s(call("CreateResource",
                      {{"restApiId", id}, {"parentId", pets}, {"pathPart", "{id}"}})["id"]);
    call("PutMethod", {{"restApiId", id},
                       {"resourceId", one},
                       {"httpMethod", "GET"},
                       {"authorizationType", "NONE"}});
    call("PutIntegration", {{"restApiId", id},
                            {"resourceId", one},
                            {"httpMethod", "GET"},
                            {"type", "AWS_PROXY"},
                            {"cacheKeyParameters", json::array{"method.request.querystring.type"}},
                            {"uri",
                             "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/"
                             "arn:aws:lambda:us-east-1:000000000000:function:f/invocations"}});
    call("CreateDeployment",
         {{"restApiId", id}, {"stageName", "prod"}, {"cacheClusterEnabled", true}});
    patch("/*/*/caching/enabled", "true");
    patch("/*/*/caching/ttlInSeconds", "60");
  }
  json::object patch(const std::string& path, const std::string& value) {
    return call("UpdateStage",
                {{"restApiId", id},
                 {"stageName", "prod"},
                 {"patchOperations",
                  json::array{json::object{{"op", "replace"}, {"path", path}, {"value", value}}}}});
  }
  http::Response get(const std::string& path, const std::string& cache_control = "") {
    http::Headers headers;
    if (!cache_control.empty()) headers.emplace_back("cache-control", cache_control);
    return user_call(execute_api(id, "GET", path, std::move(headers)));
  }

  std::string id;
};

TEST_F(StageCacheTest, ASecondCallWithinTheTtlIsAnsweredFromTheCache) {
  make_api();
  auto first = get("/prod/pets/1?type=dog");
  EXPECT_EQ(first.status, 200);
  EXPECT_EQ(first.body, "call 1");
  auto second = get("/prod/pets/1?type=dog");
  EXPECT_EQ(second.body, "call 1");
  EXPECT_EQ(fn.calls, 1);
  EXPECT_FALSE(second.header("x-amzn-RequestId").empty());
  EXPECT_NE(second.header("x-amzn-RequestId"), first.header("x-amzn-RequestId"));
  // The path parameter is not a cache key parameter: the same entry.
  EXPECT_EQ(get("/prod/pets/2?type=dog").body, "call 1");
  // Another value of the key parameter is another entry.
  EXPECT_EQ(get("/prod/pets/1?type=cat").body, "call 2");
  // After the TTL the function is called again.
  clock.advance(seconds(59));
  EXPECT_EQ(get("/prod/pets/1?type=dog").body, "call 1");
  clock.advance(seconds(1));
  EXPECT_EQ(get("/prod/pets/1?type=dog").body, "call 3");
  EXPECT_EQ(get("/prod/pets/1?type=dog").body, "call 3");
  // FlushStageCache empties it.
  call("FlushStageCache", {{"restApiId", id}, {"stageName", "prod"}});
  EXPECT_EQ(get("/prod/pets/1?type=dog").body, "call 4");
  EXPECT_EQ(error_code("FlushStageCache", {{"restApiId", id}, {"stageName", "nope"}}),
            "NotFoundException");
  call("FlushStageAuthorizersCache", {{"restApiId", id}, {"stageName", "prod"}});
  // A method-level override turns caching off for the method.
  patch("/~1pets~1{id}/GET/caching/enabled", "false");
  EXPECT_EQ(get("/prod/pets/1?type=dog").body, "call 5");
  EXPECT_EQ(get("/prod/pets/1?type=dog").body, "call 6");
}

TEST_F(StageCacheTest, MaxAgeZeroNeedsAnAllowedCaller) {
  make_api();
  EXPECT_EQ(get("/prod/pets/1").body, "call 1");
  // An unsigned caller may not invalidate: by default the cache answers.
  EXPECT_EQ(get("/prod/pets/1", "max-age=0").body, "call 1");
  patch("/*/*/caching/unauthorizedCacheControlHeaderStrategy", "FAIL_WITH_403");
  auto refused = get("/prod/pets/1", "max-age=0");
  EXPECT_EQ(refused.status, 403);
  EXPECT_NE(refused.body.find("User: anonymous is not authorized to perform: "
                              "execute-api:InvalidateCache on resource: arn:aws:execute-api:"),
            std::string::npos)
      << refused.body;
  EXPECT_EQ(fn.calls, 1);
  // Without requireAuthorizationForCacheControl anyone may.
  patch("/*/*/caching/requireAuthorizationForCacheControl", "false");
  EXPECT_EQ(get("/prod/pets/1", "max-age=0").body, "call 2");
  // The fresh answer replaced the entry.
  EXPECT_EQ(get("/prod/pets/1").body, "call 2");
}

TEST_F(StageCacheTest, TheStagesCacheClusterSettings) {
  make_api();
  auto stage = call("GetStage", {{"restApiId", id}, {"stageName", "prod"}});
  EXPECT_TRUE(stage["cacheClusterEnabled"].as_bool());
  EXPECT_EQ(s(stage["cacheClusterSize"]), "0.5");
  EXPECT_EQ(s(stage["cacheClusterStatus"]), "AVAILABLE");
  EXPECT_EQ(get("/prod/pets/1").body, "call 1");
  EXPECT_EQ(get("/prod/pets/1").body, "call 1");
  // A resized cluster starts empty.
  stage = patch("/cacheClusterSize", "1.6");
  EXPECT_EQ(s(stage["cacheClusterSize"]), "1.6");
  EXPECT_EQ(get("/prod/pets/1").body, "call 2");
  EXPECT_EQ(get("/prod/pets/1").body, "call 2");
  // No cluster, no caching, whatever the method settings say.
  stage = patch("/cacheClusterEnabled", "false");
  EXPECT_EQ(s(stage["cacheClusterStatus"]), "NOT_AVAILABLE");
  EXPECT_EQ(get("/prod/pets/1").body, "call 3");
  EXPECT_EQ(get("/prod/pets/1").body, "call 4");
  EXPECT_EQ(error_code("UpdateStage",
                       {{"restApiId", id},
                        {"stageName", "prod"},
                        {"patchOperations",
                         json::array{json::object{
                             {"op", "replace"}, {"path", "/cacheClusterSize"}, {"value", "2"}}}}}),
            "BadRequestException");
  auto deps = call("GetDeployments", {{"restApiId", id}});
  std::string dep = s(deps["items"].as_array()[0].as_object()["id"]);
  EXPECT_EQ(error_code("CreateStage", {{"restApiId", id},
                                       {"stageName", "dev"},
                                       {"deploymentId", dep},
                                       {"cacheClusterEnabled", true},
                                       {"cacheClusterSize", "3"}}),
            "BadRequestException");
  auto dev = call("CreateStage", {{"restApiId", id},
                                  {"stageName", "dev"},
                                  {"deploymentId", dep},
                                  {"cacheClusterEnabled", true},
                                  {"cacheClusterSize", "6.1"}});
  EXPECT_EQ(s(dev["cacheClusterStatus"]), "AVAILABLE");
  EXPECT_EQ(s(dev["cacheClusterSize"]), "6.1");
}

}  // namespace
}  // namespace nimbus::services::apigateway
