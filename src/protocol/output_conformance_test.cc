// Output conformance: botocore's protocol test cases read in reverse. Each
// case gives an operation, the value a client should end up with (`result`)
// or an error (`errorCode`/`errorMessage`), and an example response. We
// serialize the value with serialize_output / serialize_error, parse our own
// response the way botocore's parsers would (serialize_test_client*.h) and
// compare with what the case expects.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <set>
#include <sstream>

#include "protocol/engine.h"
#include "protocol/model.h"
#include "protocol/serialize_test_client_xml.h"

namespace nimbus::protocol {
namespace {

namespace json = boost::json;
using client::Parsed;
using ser::Ref;

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Headers bound to members, as BaseRestParser._parse_non_payload_attrs does.
void parse_rest_bindings(const ServiceModel& model, const Ref& out, const http::Response& r,
                         json::object& parsed) {
  for (const auto& [name, mref] : out.shape->at("members").get_object()) {
    Ref m = ser::resolve(model, mref.get_object());
    auto loc = ser::location_of(m);
    if (loc == "statusCode") {
      parsed[name] = r.status;
    } else if (loc == "headers") {
      std::string prefix = http::to_lower(m.str("locationName"));
      json::object map;
      for (const auto& [k, v] : r.headers) {
        if (http::to_lower(k).starts_with(prefix)) map[k.substr(prefix.size())] = v;
      }
      parsed[name] = map;
    } else if (loc == "header") {
      std::string hname(m.name_or(name));
      bool present = false;
      for (const auto& [k, v] : r.headers) present = present || http::iequals(k, hname);
      if (!present) continue;
      std::string_view text = r.header(hname);
      if (m.type() == "list") {
        Ref item = ser::child(model, m, "member");
        json::array items;
        size_t start = 0;
        while (start <= text.size()) {
          size_t comma = std::min(text.find(',', start), text.size());
          std::string_view piece = text.substr(start, comma - start);
          while (!piece.empty() && piece.front() == ' ') piece.remove_prefix(1);
          while (!piece.empty() && piece.back() == ' ') piece.remove_suffix(1);
          items.push_back(client::scalar_from_text(item, piece));
          start = comma + 1;
        }
        parsed[name] = items;
      } else if (m.flag("jsonvalue")) {
        parsed[name] = json::parse(client::base64_decode(text));
      } else {
        parsed[name] = client::scalar_from_text(m, text);
      }
    }
  }
}

json::value parse_rest_body(const ServiceModel& model, const Ref& out, const http::Response& r,
                            bool xml) {
  if (xml) {
    pugi::xml_document doc;
    if (r.body.empty() || !client::load_xml(doc, r.body)) return json::object();
    return client::xml_structure(model, out, doc.document_element());
  }
  return client::from_json(model, out, client::json_body(r.body));
}

// NaN and the infinities as the cases write them ("NaN", "Infinity").
json::value special_floats_as_text(json::value v) {
  if (v.is_double() && !std::isfinite(v.get_double())) {
    return json::value(std::isnan(v.get_double()) ? "NaN"
                       : v.get_double() > 0       ? "Infinity"
                                                  : "-Infinity");
  }
  if (v.is_array()) {
    for (auto& e : v.get_array()) e = special_floats_as_text(std::move(e));
  } else if (v.is_object()) {
    for (auto& [k, e] : v.get_object()) e = special_floats_as_text(std::move(e));
  }
  return v;
}

// An RPC v2 CBOR response read as botocore's RpcV2CBORParser does: the body
// decoded (tag 1 in seconds), then the JSON walk; the header must be there.
Parsed parse_rpcv2_cbor(const ServiceModel& model, const OperationModel& op,
                        const http::Response& r) {
  Parsed p;
  if (r.header("smithy-protocol") != "rpc-v2-cbor") {
    p.is_error = true;
    p.code = "missing smithy-protocol header";
    return p;
  }
  json::value body = json::object();
  if (!r.body.empty()) {
    auto decoded = cbor::decode(r.body, cbor::Epoch::kSeconds);
    if (!decoded) {
      p.is_error = true;
      p.code = "bad CBOR: " + decoded.error().message;
      return p;
    }
    body = special_floats_as_text(std::move(*decoded));
  }
  if (r.status >= 301) {
    http::Response as_json = r;
    as_json.body = json::serialize(body);
    return client::json_error(as_json, false);
  }
  Ref out = ser::resolve_shape(model, op.output_shape);
  p.value = out.valid() ? client::from_json(model, out, body) : json::value(json::object());
  return p;
}

Parsed parse_response(Protocol protocol, const ServiceModel& model, const OperationModel& op,
                      const http::Response& r) {
  if (protocol == Protocol::kRpcV2Cbor) return parse_rpcv2_cbor(model, op, r);
  bool xml =
      protocol == Protocol::kQuery || protocol == Protocol::kEc2 || protocol == Protocol::kRestXml;
  bool rest = protocol == Protocol::kRestJson || protocol == Protocol::kRestXml;
  if (r.status >= 301) return xml ? client::xml_error(r) : client::json_error(r, rest);
  Parsed p;
  Ref out = ser::resolve_shape(model, op.output_shape);
  p.value = json::object();
  if (!out.valid()) return p;
  if (protocol == Protocol::kQuery) {
    // botocore's models always name the wrapper; the test models do not.
    std::string wrapper = op.name + "Result";
    if (const auto* o = op.raw->if_contains("output")) {
      if (const auto* w = o->get_object().if_contains("resultWrapper")) {
        wrapper = std::string(w->get_string());
      }
    }
    pugi::xml_document doc;
    if (!client::load_xml(doc, r.body)) return p;
    auto children = client::by_name(doc.document_element());
    if (auto it = children.find(wrapper); it != children.end()) {
      p.value = client::xml_structure(model, out, it->second.front());
    }
    return p;
  }
  if (protocol == Protocol::kEc2) {  // no wrapper: members under the root
    pugi::xml_document doc;
    if (client::load_xml(doc, r.body)) {
      p.value = client::xml_structure(model, out, doc.document_element());
    }
    return p;
  }
  if (!rest) {
    p.value = client::from_json(model, out, client::json_body(r.body));
    return p;
  }
  json::object parsed;
  parse_rest_bindings(model, out, r, parsed);
  if (auto payload = out.str("payload"); !payload.empty()) {
    Ref pm = ser::resolve(model, out.shape->at("members").at(payload).get_object());
    if (pm.type() == "blob" || pm.type() == "string") {
      parsed[payload] = json::string(r.body);
    } else {
      pugi::xml_document doc;
      if (!xml) {
        parsed[payload] = client::from_json(model, pm, client::json_body(r.body));
      } else if (!r.body.empty() && client::load_xml(doc, r.body)) {
        parsed[payload] = client::from_xml(model, pm, {doc.document_element()});
      } else {
        parsed[payload] = json::object();
      }
    }
  } else {
    auto body = parse_rest_body(model, out, r, xml);
    if (body.is_object()) {
      for (const auto& [k, v] : body.get_object()) parsed[k] = v;
    }
  }
  p.value = std::move(parsed);
  return p;
}

bool same(const json::value& want, const json::value& got) {
  if (want.is_number() && got.is_number()) {
    double a = want.to_number<double>(), b = got.to_number<double>();
    return std::fabs(a - b) <= 1e-9 * std::max(1.0, std::fabs(a));
  }
  if (want.kind() != got.kind()) return false;
  if (want.is_object()) {
    const auto &a = want.get_object(), &b = got.get_object();
    if (a.size() != b.size()) return false;
    for (const auto& [k, v] : a) {
      const auto* other = b.if_contains(k);
      if (other == nullptr || !same(v, *other)) return false;
    }
    return true;
  }
  if (want.is_array()) {
    const auto &a = want.get_array(), &b = got.get_array();
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i) {
      if (!same(a[i], b[i])) return false;
    }
    return true;
  }
  return want == got;
}

struct Outcome {
  enum Kind { kPass, kFail, kSkip } kind = kPass;
  std::string why;
};

std::string str_or(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  return v != nullptr && v->is_string() ? std::string(v->get_string()) : std::string();
}

Outcome run_error_case(const ServiceModel& model, const json::object& c) {
  const auto& error = c.at("error").get_object();
  for (const auto& [k, v] : error) {
    if (k != "Message" && k != "message") {
      return {Outcome::kSkip, "modeled error member '" + std::string(k) + "' (Error has none)"};
    }
  }
  std::string want_code = str_or(c, "errorCode");
  std::string shape_name = want_code;
  for (const auto& e : c.at("given").at("errors").get_array()) {
    std::string name(e.at("shape").get_string());
    const auto* s = model.shape(name);
    const auto* t = s != nullptr ? s->if_contains("error") : nullptr;
    std::string code = t != nullptr ? str_or(t->get_object(), "code") : std::string();
    if (name == want_code || code == want_code) shape_name = name;
  }
  std::string message = c.contains("errorMessage")
                            ? str_or(c, "errorMessage")
                            : str_or(error, "Message") + str_or(error, "message");
  auto r = serialize_error(model.protocol(), &model, model.query_compatible(),
                           Error::make(shape_name, message), "req-1");
  const auto& op = *model.operations().begin();
  Parsed p = parse_response(model.protocol(), model, op, r);
  if (!p.is_error)
    return {Outcome::kFail, "status " + std::to_string(r.status) + " read as success"};
  if (p.code != want_code)
    return {Outcome::kFail, "code '" + p.code + "', want '" + want_code + "'"};
  if (c.contains("errorMessage") && p.message != message) {
    return {Outcome::kFail, "message '" + p.message + "'"};
  }
  return {};
}

Outcome run_case(const json::object& suite, const json::object& c) {
  json::object raw;
  raw["metadata"] = suite.at("metadata");
  raw["shapes"] = suite.at("shapes");
  const auto& given = c.at("given").get_object();
  raw["operations"] = json::object{{given.at("name").get_string(), given}};
  auto model = std::make_unique<ServiceModel>(std::move(raw), "test");
  if (c.contains("error")) return run_error_case(*model, c);
  const OperationModel& op = model->operations().front();
  Call call;
  call.protocol = model->protocol();
  call.service = model.get();
  call.operation = &op;
  call.operation_name = op.name;
  const auto& result = c.at("result").get_object();
  if (json::serialize(result).find("SDK_UNKNOWN_MEMBER") != std::string::npos) {
    return {Outcome::kSkip, "client-side handling of a union member unknown to the client"};
  }
  http::Response r = serialize_output(call, result, "req-1");
  if (r.header("x-amzn-RequestId") != "req-1") return {Outcome::kFail, "no x-amzn-RequestId"};
  Parsed p = parse_response(call.protocol, *model, op, r);
  if (p.is_error) return {Outcome::kFail, "read as error " + p.code};
  if (std::getenv("NIMBUS_CONFORMANCE_VERBOSE") != nullptr) {
    std::cout << "  case " << str_or(c, "id") << ": " << r.status << "\n";
    for (const auto& [k, v] : r.headers) std::cout << "    " << k << ": " << v << "\n";
    std::cout << "    " << r.body << "\n";
  }
  if (!same(result, p.value)) {
    return {Outcome::kFail, "got " + json::serialize(p.value) + "\n      body: " + r.body};
  }
  return {};
}

std::set<std::string> ignored_cases(const std::string& dir, const std::string& protocol) {
  std::set<std::string> out;
  auto ignore = json::parse(read_file(dir + "/protocol-tests-ignore-list.json")).as_object();
  const auto* p = ignore["protocols"].as_object().if_contains(protocol);
  if (p == nullptr) return out;
  const auto* o = p->as_object().if_contains("output");
  if (o == nullptr) return out;
  if (const auto* cases = o->as_object().if_contains("cases")) {
    for (const auto& id : cases->as_array()) out.emplace(id.as_string());
  }
  return out;
}

// Cases that fail for a reason that is not a serializer bug; they still count
// as failed in the printed totals (and in docs/protocols.md).
const std::map<std::string, std::string, std::less<>>& known_failures() {
  static const std::map<std::string, std::string, std::less<>> kKnown{
      {"HttpPrefixHeadersResponse",
       "an empty header prefix captures every response header, and ours always carry "
       "Content-Type and x-amzn-RequestId (as AWS's do)"},
      {"Supports header maps #0", "as HttpPrefixHeadersResponse (legacy rest-json)"},
      {"REST XML Event Stream #0", "event streams are not serialized yet"},
      {"REST XML Event Stream #1", "event streams are not serialized yet"},
      {"REST XML Event Stream #2", "event streams are not serialized yet"},
  };
  return kKnown;
}

class OutputConformance : public ::testing::TestWithParam<std::string> {};

TEST_P(OutputConformance, BotocoreCases) {
  const char* shared = std::getenv("NIMBUS_SHARED_DIR");
  std::string dir =
      shared != nullptr ? std::string(shared) + "/conformance/botocore-protocols" : "";
  std::string file = dir + "/" + GetParam() + ".json";
  if (shared == nullptr || !std::ifstream(file)) GTEST_SKIP() << "no " << file;
  std::string protocol = GetParam().substr(GetParam().rfind('/') + 1);
  auto ignored = ignored_cases(dir, protocol);
  int passed = 0, failed = 0, skipped = 0, unexpected = 0;
  std::ostringstream failures;
  json::value suites = json::parse(read_file(file));
  for (const auto& suite_v : suites.as_array()) {
    const auto& suite = suite_v.as_object();
    int index = 0;
    for (const auto& case_v : suite.at("cases").as_array()) {
      const auto& c = case_v.as_object();
      std::string id = str_or(c, "id");  // legacy cases have none
      if (id.empty()) id = str_or(suite, "description") + " #" + std::to_string(index);
      ++index;
      if (ignored.count(id) != 0) {
        ++skipped;
        continue;
      }
      Outcome o = run_case(suite, c);
      if (o.kind == Outcome::kPass) ++passed;
      if (o.kind == Outcome::kSkip) ++skipped;
      if (o.kind == Outcome::kFail) {
        ++failed;
        if (auto k = known_failures().find(id); k != known_failures().end()) {
          failures << "  known " << id << ": " << k->second << "\n";
        } else {
          ++unexpected;
          failures << "  FAIL " << id << ": " << o.why << "\n";
        }
      }
      if (o.kind == Outcome::kSkip) failures << "  skip " << id << ": " << o.why << "\n";
    }
  }
  std::cout << GetParam().substr(GetParam().find("output/") + 7) << ".json"
            << (GetParam().starts_with("legacy") ? " (legacy)" : "") << ": " << passed
            << " passed, " << failed << " failed, " << skipped << " skipped\n"
            << failures.str();
  EXPECT_EQ(unexpected, 0);
}

INSTANTIATE_TEST_SUITE_P(Botocore, OutputConformance,
                         ::testing::Values("output/query", "output/json", "output/json_1_0",
                                           "output/json_1_0-query-compatible", "output/rest-json",
                                           "output/rest-xml", "output/ec2", "legacy/output/query",
                                           "legacy/output/json", "legacy/output/rest-json",
                                           "legacy/output/rest-xml", "legacy/output/ec2",
                                           "output/smithy-rpc-v2-cbor",
                                           "output/smithy-rpc-v2-cbor-query-compatible"),
                         [](const auto& info) {
                           std::string n = info.param;
                           for (char& ch : n) {
                             if (ch == '-' || ch == '/') ch = '_';
                           }
                           return n;
                         });

}  // namespace
}  // namespace nimbus::protocol
