// The SAM translator's own test corpus (shared/conformance/sam-translator):
// every input/*.yaml through the transform, compared with output/<name>.json
// (the us-east-1 expectation). A case passes when the Resources have the
// same logical ids and types (the digest in Version / Deployment ids
// masked, since SAM's depends on its own hashing) and the key properties
// below are equal. error_* inputs pass when the transform refuses them.
// Prints the pass counts overall and per SAM resource type, and fails when a
// count drops below the floor recorded here (raise it as the transform
// grows). Skipped when the corpus is absent.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <regex>
#include <set>
#include <sstream>

#include "services/cloudformation/providers/provider.h"
#include "services/cloudformation/sam/transform.h"
#include "services/cloudformation/template/document.h"

namespace nimbus::cfn::sam {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;

// Floors: the counts reached when this test was last raised.
constexpr int kMinPassed = 411;
constexpr int kMinRefused = 164;
// Inputs whose expected output uses only types with a stack provider, and
// how many of those pass.
constexpr int kMinDeployable = 392;
constexpr int kMinDeployablePassed = 363;

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Logical id with a Version / Deployment digest masked.
std::string masked(const std::string& id, std::string_view type) {
  static const std::regex hashed("^(.*(Version|Deployment))[0-9a-f]{10}$");
  if (type != "AWS::Lambda::Version" && type != "AWS::ApiGateway::Deployment") return id;
  return std::regex_replace(id, hashed, "$1#");
}

// Properties compared besides ids and types, per type.
const std::map<std::string, std::vector<std::string>>& key_properties() {
  static const std::map<std::string, std::vector<std::string>> keys{
      {"AWS::Lambda::Function", {"Handler", "Runtime", "Code", "Timeout", "MemorySize"}},
      {"AWS::IAM::Role", {"ManagedPolicyArns"}},
      {"AWS::Lambda::EventSourceMapping", {"EventSourceArn", "BatchSize", "StartingPosition"}},
      {"AWS::DynamoDB::Table", {"KeySchema", "AttributeDefinitions", "BillingMode"}},
      {"AWS::SNS::Subscription", {"TopicArn", "Protocol"}},
      {"AWS::Events::Rule", {"ScheduleExpression", "EventPattern"}},
      {"AWS::Lambda::Alias", {"Name"}},
      {"AWS::Lambda::LayerVersion", {"Content", "LayerName", "CompatibleRuntimes"}},
  };
  return keys;
}

// Equal as multisets of serialised items (for lists whose order is not
// meaningful).
bool unordered_equal(const json::value& a, const json::value& b) {
  if (!a.is_array() || !b.is_array()) return a == b;
  std::multiset<std::string> x, y;
  for (const auto& v : a.as_array()) x.insert(json::serialize(v));
  for (const auto& v : b.as_array()) y.insert(json::serialize(v));
  return x == y;
}

// "" when `got` matches `want`, else what differs.
std::string compare(const json::object& got, const json::object& want) {
  std::map<std::string, const json::object*> g, w;
  auto index = [](const json::object& doc, auto& into) {
    const auto* r = doc.if_contains("Resources");
    if (r == nullptr || !r->is_object()) return;
    for (const auto& [id, res] : r->as_object()) {
      if (!res.is_object()) continue;
      const auto* t = res.as_object().if_contains("Type");
      std::string type = t != nullptr && t->is_string() ? std::string(t->as_string()) : "?";
      into[masked(std::string(id), type) + " " + type] = &res.as_object();
    }
  };
  index(got, g);
  index(want, w);
  std::string diff;
  for (const auto& [k, _] : w) {
    if (!g.contains(k)) diff += " missing " + k + ";";
  }
  for (const auto& [k, _] : g) {
    if (!w.contains(k)) diff += " extra " + k + ";";
  }
  if (!diff.empty()) return diff;
  for (const auto& [k, res] : w) {
    std::string type = k.substr(k.find(' ') + 1);
    auto it = key_properties().find(type);
    if (it == key_properties().end()) continue;
    static const json::object none;
    auto props = [](const json::object* r) -> const json::object& {
      const auto* p = r->if_contains("Properties");
      return p != nullptr && p->is_object() ? p->as_object() : none;
    };
    const auto& pw = props(res);
    const auto& pg = props(g.at(k));
    for (const auto& key : it->second) {
      const auto* a = pw.if_contains(key);
      const auto* b = pg.if_contains(key);
      if (key == "ManagedPolicyArns" && a != nullptr && b != nullptr && unordered_equal(*a, *b)) {
        continue;  // a role's managed policies are a set
      }
      if ((a == nullptr) != (b == nullptr) || (a != nullptr && *a != *b)) {
        diff += " " + k + "." + key + " differs;";
      }
    }
  }
  return diff;
}

// The SAM resource types an input declares.
std::set<std::string> sam_types(const json::value& doc) {
  std::set<std::string> out;
  if (!doc.is_object()) return out;
  const auto* r = doc.as_object().if_contains("Resources");
  if (r == nullptr || !r->is_object()) return out;
  for (const auto& [id, res] : r->as_object()) {
    if (!res.is_object()) continue;
    const auto* t = res.as_object().if_contains("Type");
    if (t != nullptr && t->is_string() && t->as_string().starts_with("AWS::Serverless::")) {
      out.emplace(t->as_string());
    }
  }
  return out;
}

// True when every type of the expected output has a stack provider.
bool deployable(const json::object& want) {
  const auto* r = want.if_contains("Resources");
  if (r == nullptr || !r->is_object()) return false;
  for (const auto& [id, res] : r->as_object()) {
    const auto* t = res.is_object() ? res.as_object().if_contains("Type") : nullptr;
    if (t == nullptr || !t->is_string()) return false;
    if (services::cloudformation::find_provider(t->as_string()) == nullptr) return false;
  }
  return true;
}

TEST(SamConformance, Corpus) {
  const char* shared = std::getenv("NIMBUS_SHARED_DIR");
  fs::path root = fs::path(shared ? shared : "../shared") / "conformance" / "sam-translator";
  if (!fs::is_directory(root / "input")) GTEST_SKIP() << "no corpus at " << root;
  std::vector<fs::path> inputs;
  for (const auto& e : fs::directory_iterator(root / "input")) {
    if (e.path().extension() == ".yaml") inputs.push_back(e.path());
  }
  std::sort(inputs.begin(), inputs.end());

  int passed = 0, cases = 0, refused = 0, refused_same = 0, error_cases = 0;
  int deploy_cases = 0, deploy_passed = 0;
  std::map<std::string, std::pair<int, int>> per_type;  // type -> passed, cases
  double total_ms = 0, worst_ms = 0;
  bool verbose = std::getenv("NIMBUS_SAM_VERBOSE") != nullptr;
  for (const auto& in : inputs) {
    std::string name = in.stem().string();
    fs::path out = root / "output" / (name + ".json");
    if (!fs::exists(out)) continue;
    auto doc = parse_document(slurp(in));
    auto want = parse_document(slurp(out));
    if (!want || !want->is_object()) continue;
    auto start = std::chrono::steady_clock::now();
    Result<json::object> got =
        doc && doc->is_object()
            ? transform(doc->as_object())
            : Result<json::object>(doc ? Error::validation("not an object") : doc.error());
    double ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    total_ms += ms;
    worst_ms = std::max(worst_ms, ms);
    if (name.starts_with("error_")) {
      ++error_cases;
      if (!got) {
        ++refused;
        std::string msg = got.error().message;
        std::string_view prefix = "Transform AWS::Serverless-2016-10-31 failed with: ";
        if (msg.starts_with(prefix)) msg = msg.substr(prefix.size());
        const auto* expected = want->as_object().if_contains("errorMessage");
        if (expected != nullptr && expected->is_string() && expected->as_string() == msg) {
          ++refused_same;
        }
      } else if (verbose) {
        std::cout << "accepted " << name << "\n";
      }
      continue;
    }
    ++cases;
    std::string diff = got ? compare(*got, want->as_object()) : "refused: " + got.error().message;
    bool ok = diff.empty();
    passed += ok ? 1 : 0;
    bool supported = deployable(want->as_object());
    if (supported) {
      ++deploy_cases;
      deploy_passed += ok ? 1 : 0;
    }
    for (const auto& t : sam_types(*doc)) {
      per_type[t].first += ok ? 1 : 0;
      per_type[t].second += 1;
    }
    if (!ok) {
      if (verbose) {
        std::cout << "FAIL " << (supported ? "[supported] " : "") << name << ":"
                  << diff.substr(0, 400) << "\n";
      }
    }
  }
  std::cout << "SAM corpus: " << passed << "/" << cases << " inputs pass; " << deploy_passed << "/"
            << deploy_cases << " of those whose output uses only supported resource types; "
            << refused << "/" << error_cases << " error inputs refused (" << refused_same
            << " with SAM's exact message)\n";
  for (const auto& [t, c] : per_type) {
    std::cout << "  " << t << ": " << c.first << "/" << c.second << "\n";
  }
  std::cout << "  time: " << total_ms << " ms for " << inputs.size() << " templates ("
            << total_ms / std::max<size_t>(1, inputs.size()) << " ms mean, " << worst_ms
            << " ms worst)\n";
  EXPECT_GE(passed, kMinPassed);
  EXPECT_GE(refused, kMinRefused);
  EXPECT_GE(deploy_cases, kMinDeployable);
  EXPECT_GE(deploy_passed, kMinDeployablePassed);
}

}  // namespace
}  // namespace nimbus::cfn::sam
