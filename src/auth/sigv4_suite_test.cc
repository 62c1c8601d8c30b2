// The AWS SigV4 test suite (shared/conformance/sigv4), one case per folder:
// canonical request, string to sign and Authorization computed from the
// request must equal the published ones, and verify() must accept the signed
// request and refuse it with one byte changed.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "auth/canonical.h"
#include "auth/crypto.h"
#include "auth/sigv4.h"
#include "auth/test_util.h"

namespace nimbus::auth {
namespace {

namespace fs = std::filesystem;
using detail::trim;

constexpr std::string_view kTime = "20150830T123600Z";
constexpr std::string_view kScope = "20150830/us-east-1/service/aws4_request";

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// The suite's request files: request line, headers (obs-fold continuation
// lines allowed), blank line, body. Lines end in "\n".
http::Request parse_request(const std::string& text) {
  http::Request r;
  std::vector<std::string> lines;
  size_t pos = 0;
  size_t body_at = std::string::npos;
  while (pos <= text.size()) {
    size_t nl = text.find('\n', pos);
    std::string line = text.substr(pos, nl == std::string::npos ? std::string::npos : nl - pos);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    pos = nl == std::string::npos ? text.size() + 1 : nl + 1;
    if (line.empty() && !lines.empty()) {
      body_at = pos;
      break;
    }
    lines.push_back(line);
  }
  const std::string& start = lines.at(0);
  size_t sp = start.find(' ');
  size_t version = start.rfind(" HTTP/");
  r.method = start.substr(0, sp);
  r.target = start.substr(sp + 1, version - sp - 1);
  for (size_t i = 1; i < lines.size(); ++i) {
    const std::string& line = lines[i];
    if ((line[0] == ' ' || line[0] == '\t') && !r.headers.empty()) {
      r.headers.back().second += " " + std::string(trim(line));  // obs-fold becomes one SP
      continue;
    }
    size_t colon = line.find(':');
    r.headers.emplace_back(http::to_lower(line.substr(0, colon)), line.substr(colon + 1));
  }
  if (body_at != std::string::npos && body_at <= text.size()) r.body = text.substr(body_at);
  return r;
}

std::string signed_headers_of(std::string_view authz) {
  size_t at = authz.find("SignedHeaders=");
  std::string_view rest = authz.substr(at + 14);
  return std::string(rest.substr(0, rest.find(',')));
}

void set_header(http::Request& r, const std::string& name, std::string value) {
  std::erase_if(r.headers, [&](const auto& kv) { return kv.first == name; });
  r.headers.emplace_back(name, std::move(value));
}

struct Case {
  std::string name;
  fs::path dir;
};

std::vector<Case> find_cases(const fs::path& root) {
  std::vector<Case> cases;
  for (const auto& entry : fs::recursive_directory_iterator(root)) {
    if (!entry.is_directory()) continue;
    std::string leaf = entry.path().filename().string();
    if (fs::exists(entry.path() / (leaf + ".req"))) {
      cases.push_back({fs::relative(entry.path(), root).string(), entry.path()});
    }
  }
  std::sort(cases.begin(), cases.end(),
            [](const Case& a, const Case& b) { return a.name < b.name; });
  return cases;
}

// Returns the failures of one case (empty when it passes).
std::vector<std::string> run_case(const Case& c, const CredentialProvider& provider) {
  std::vector<std::string> failures;
  auto file = [&](std::string_view ext) {
    return slurp(c.dir / (c.dir.filename().string() + std::string(ext)));
  };
  std::string creq_want = file(".creq"), sts_want = file(".sts");
  std::string authz_want(trim(file(".authz")));
  http::Request sreq = parse_request(file(".sreq"));
  http::Request req = parse_request(file(".req"));
  std::string sreq_authz(trim(sreq.header("authorization")));

  // The headers the suite signed: those of the signed request, minus the
  // Authorization (post-sts-header-after adds its token unsigned), as listed
  // in the published SignedHeaders.
  http::Request input = sreq;
  std::erase_if(input.headers, [](const auto& kv) { return kv.first == "authorization"; });
  std::string signed_headers = signed_headers_of(authz_want);
  std::string creq = detail::canonical_request(
      input.method, detail::canonical_uri(input.path(), false),
      detail::canonical_query(input.query(), false),
      detail::canonical_headers(input.headers, detail::split_signed_headers(signed_headers)),
      signed_headers, crypto::sha256_hex(input.body));
  if (creq != creq_want) failures.push_back("canonical request:\n" + creq);
  std::string sts = detail::string_to_sign(kTime, kScope, creq);
  if (sts != sts_want) failures.push_back("string to sign:\n" + sts);
  std::string key = detail::signing_key("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "20150830",
                                        "us-east-1", "service");
  std::string authz = "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/" + std::string(kScope) +
                      ", SignedHeaders=" + signed_headers +
                      ", Signature=" + detail::signature(key, sts);
  if (authz != authz_want) failures.push_back("authorization: " + authz);

  // sign() on the unsigned request, where it signs the same header set.
  auto creds = provider.find("AKIDEXAMPLE");
  http::Request signed_req = req;
  sign(signed_req, *creds, "us-east-1", "service", testing::at(kTime));
  if (signed_headers_of(signed_req.header("authorization")) == signed_headers &&
      signed_req.header("authorization") != authz_want) {
    failures.push_back("sign(): " + std::string(signed_req.header("authorization")));
  }

  // verify(): the signed request, then one byte changed in each part.
  if (sreq_authz != authz_want) {
    std::cout << "  note: " << c.name << ".sreq carries a different Authorization than .authz "
              << "(a known defect of the published suite); verifying with .authz\n";
  }
  http::Request good = sreq;
  set_header(good, "authorization", authz_want);
  auto ok = verify(good, provider, testing::at(kTime));
  if (!ok) failures.push_back("verify refused: " + ok.error().code + ": " + ok.error().message);

  auto expect_refused = [&](http::Request r, const std::string& what) {
    auto res = verify(r, provider, testing::at(kTime));
    if (res || res.error().code != "SignatureDoesNotMatch") {
      failures.push_back("verify accepted a request with a changed " + what);
    }
  };
  http::Request bad_sig = good;
  std::string tampered = authz_want;
  tampered.back() = tampered.back() == '0' ? '1' : '0';
  set_header(bad_sig, "authorization", tampered);
  expect_refused(bad_sig, "signature");
  http::Request bad_header = good;
  for (auto& [k, v] : bad_header.headers) {
    if (k == "host") v.back() ^= 1;
  }
  expect_refused(bad_header, "host header");
  if (!good.body.empty()) {
    http::Request bad_body = good;
    bad_body.body[0] ^= 1;
    expect_refused(bad_body, "body");
  }
  return failures;
}

TEST(SigV4Suite, EveryCase) {
  const char* shared = std::getenv("NIMBUS_SHARED_DIR");
  fs::path root = fs::path(shared ? shared : "../shared") / "conformance" / "sigv4";
  if (!fs::is_directory(root)) GTEST_SKIP() << "no SigV4 suite at " << root;
  testing::StaticCredentials provider;
  provider.add({"AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "000000000000", ""});
  int passed = 0, failed = 0;
  for (const Case& c : find_cases(root)) {
    auto failures = run_case(c, provider);
    for (const auto& f : failures) ADD_FAILURE() << c.name << ": " << f;
    failures.empty() ? ++passed : ++failed;
  }
  std::cout << "sigv4 suite: " << passed << " passed, " << failed << " failed (of "
            << passed + failed << " cases)\n";
  EXPECT_GT(passed, 0);
  EXPECT_EQ(failed, 0);
}

}  // namespace
}  // namespace nimbus::auth
