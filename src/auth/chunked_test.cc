// aws-chunked bodies: the worked examples of the S3 documentation
// ("Transferring Payload in Multiple Chunks" and its trailer variant), the
// signer's own encoding, framing errors and unsigned trailers.
#include <gtest/gtest.h>

#include "auth/canonical.h"
#include "auth/chunked.h"
#include "auth/sigv4.h"
#include "auth/test_util.h"

namespace nimbus::auth {
namespace {

using testing::at;

// The documentation's example: 66560 bytes of 'a' in chunks of 64 KiB + 1 KiB.
constexpr std::string_view kDocKey = "AKIAIOSFODNN7EXAMPLE";
constexpr std::string_view kDocSecret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
constexpr std::string_view kDocSeed =
    "4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9";
constexpr std::string_view kDocChunkSigs[] = {
    "ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648",
    "0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497",
    "b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9",
};

std::string doc_body(const std::string_view (&sigs)[3], std::string_view trailer = "\r\n") {
  std::string a(65536, 'a');
  std::string body = "10000;chunk-signature=" + std::string(sigs[0]) + "\r\n" + a + "\r\n";
  body += "400;chunk-signature=" + std::string(sigs[1]) + "\r\n" + std::string(1024, 'a') + "\r\n";
  body += "0;chunk-signature=" + std::string(sigs[2]) + "\r\n";
  body += trailer;
  return body;
}

detail::ChunkSigning doc_signing(std::string_view seed) {
  return {detail::signing_key(kDocSecret, "20130524", "us-east-1", "s3"), "20130524T000000Z",
          "20130524/us-east-1/s3/aws4_request", std::string(seed)};
}

class ChunkedTest : public ::testing::Test {
 protected:
  ChunkedTest() {
    provider_.add({std::string(kDocKey), std::string(kDocSecret), "111122223333", ""});
  }
  http::Request doc_request() const {
    http::Request r;
    r.method = "PUT";
    r.target = "/examplebucket/chunkObject.txt";
    r.headers = {
        {"host", "s3.amazonaws.com"},
        {"x-amz-date", "20130524T000000Z"},
        {"x-amz-storage-class", "REDUCED_REDUNDANCY"},
        {"authorization",
         "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,"
         "SignedHeaders=content-encoding;content-length;host;x-amz-content-sha256;x-amz-date;"
         "x-amz-decoded-content-length;x-amz-storage-class,Signature=" +
             std::string(kDocSeed)},
        {"x-amz-content-sha256", "STREAMING-AWS4-HMAC-SHA256-PAYLOAD"},
        {"content-encoding", "aws-chunked"},
        {"x-amz-decoded-content-length", "66560"},
        {"content-length", "66824"},
    };
    r.body = doc_body(kDocChunkSigs);
    return r;
  }
  testing::StaticCredentials provider_;
};

TEST_F(ChunkedTest, DocumentedExampleVerifiesAndDecodes) {
  http::Request r = doc_request();
  ASSERT_EQ(r.body.size(), 66824u);
  auto v = verify(r, provider_, at("20130524T000500Z"));
  ASSERT_TRUE(v.is_ok()) << v.error().code << ": " << v.error().message;
  EXPECT_EQ(r.body, std::string(66560, 'a'));
  EXPECT_EQ(r.header("content-length"), "66560");
  EXPECT_FALSE(r.has_header("content-encoding"));
  EXPECT_FALSE(r.has_header("x-amz-decoded-content-length"));
}

TEST_F(ChunkedTest, DocumentedChunkSignatures) {
  auto signing = doc_signing(kDocSeed);
  std::string first = detail::chunk_signature(signing, kDocSeed, std::string(65536, 'a'));
  EXPECT_EQ(first, kDocChunkSigs[0]);
  std::string second = detail::chunk_signature(signing, first, std::string(1024, 'a'));
  EXPECT_EQ(second, kDocChunkSigs[1]);
  EXPECT_EQ(detail::chunk_signature(signing, second, ""), kDocChunkSigs[2]);
}

TEST_F(ChunkedTest, TamperedChunkIsRefused) {
  http::Request data = doc_request();
  data.body[100] = 'b';
  auto v = verify(data, provider_, at("20130524T000000Z"));
  ASSERT_FALSE(v.is_ok());
  EXPECT_EQ(v.error().code, "SignatureDoesNotMatch");

  // Chunks swapped in order break the chain too.
  http::Request sig = doc_request();
  sig.body.replace(sig.body.find(kDocChunkSigs[2]), 64, std::string(kDocChunkSigs[1]));
  EXPECT_EQ(verify(sig, provider_, at("20130524T000000Z")).error().code, "SignatureDoesNotMatch");

  http::Request length = doc_request();
  for (auto& [k, v] : length.headers) {
    if (k == "x-amz-decoded-content-length") v = "66561";
  }
  // The declared length is signed: changing it breaks the seed signature.
  EXPECT_EQ(verify(length, provider_, at("20130524T000000Z")).error().code,
            "SignatureDoesNotMatch");
}

TEST(Chunked, DocumentedTrailerExample) {
  constexpr std::string_view seed =
      "106e2a8a18243abcf37539882f36619c00e2dfc72633413f02d3b74544bfeb8e";
  constexpr std::string_view sigs[3] = {
      "b474d8862b1487a5145d686f57f013e54db672cee1c953b3010fb58501ef5aa2",
      "1c1344b170168f8e65b41376b44b20fe354e373826ccbbe2c1d40a8cae51e5c7",
      "2ca2aba2005185cf7159c6277faf83795951dd77a3a99e6e65d5c9f85863f992",
  };
  std::string trailer =
      "x-amz-checksum-crc32c:sOO8/Q==\r\n"
      "x-amz-trailer-signature:d81f82fc3505edab99d459891051a732e8730629a2e4a59689829ca17fe2e435"
      "\r\n\r\n";
  auto signing = doc_signing(seed);
  auto decoded = detail::decode_aws_chunked(doc_body(sigs, trailer), &signing);
  ASSERT_TRUE(decoded.is_ok()) << decoded.error().message;
  EXPECT_EQ(decoded->payload.size(), 66560u);
  ASSERT_EQ(decoded->trailers.size(), 1u);
  EXPECT_EQ(decoded->trailers[0].first, "x-amz-checksum-crc32c");
  EXPECT_EQ(decoded->trailers[0].second, "sOO8/Q==");

  std::string forged = trailer;
  forged.replace(forged.find("sOO8"), 4, "sOO9");
  EXPECT_FALSE(detail::decode_aws_chunked(doc_body(sigs, forged), &signing).is_ok());
}

TEST(Chunked, FramingErrors) {
  auto decode = [](std::string body) { return detail::decode_aws_chunked(body, nullptr); };
  EXPECT_TRUE(decode("3\r\nabc\r\n0\r\n\r\n").is_ok());
  EXPECT_EQ(decode("3\r\nabc\r\n0\r\n\r\n")->payload, "abc");
  for (std::string bad : {"", "3\r\nab", "3\r\nabcd\r\n0\r\n\r\n", "zz\r\nabc\r\n0\r\n\r\n",
                          "3\r\nabc", "3\r\nabc\r\n", "ffffffffffffffffff\r\n",
                          "3\r\nabc\r\n0\r\n\r\ngarbage", "3\r\nabc\r\n0\r\nno-colon\r\n\r\n"}) {
    auto r = decode(bad);
    ASSERT_FALSE(r.is_ok()) << "accepted: " << bad;
    EXPECT_EQ(r.error().code, "IncompleteBody");
    EXPECT_EQ(r.error().http_status, 400);
  }
}

TEST(Chunked, UnsignedPayloadWithTrailer) {
  testing::StaticCredentials provider;
  Credentials creds{"AKIDTEST", "s3cr3t", "1", ""};
  provider.add(creds);
  http::Request r;
  r.method = "PUT";
  r.target = "/bucket/key";
  r.headers = {{"host", "localhost:4566"},
               {"x-amz-content-sha256", "STREAMING-UNSIGNED-PAYLOAD-TRAILER"},
               {"content-encoding", "aws-chunked,gzip"},
               {"x-amz-trailer", "x-amz-checksum-crc32"},
               {"x-amz-decoded-content-length", "11"}};
  r.body = "5\r\nhello\r\n6\r\n world\r\n0\r\nx-amz-checksum-crc32:DUoRhQ==\r\n\r\n";
  sign(r, creds, "us-east-1", "s3", at("20240102T030405Z"));
  auto v = verify(r, provider, at("20240102T030405Z"));
  ASSERT_TRUE(v.is_ok()) << v.error().message;
  EXPECT_EQ(r.body, "hello world");
  EXPECT_EQ(r.header("x-amz-checksum-crc32"), "DUoRhQ==");
  EXPECT_EQ(r.header("content-encoding"), "gzip");
}

TEST(Chunked, SignStreamingRoundTrip) {
  testing::StaticCredentials provider;
  Credentials creds{"AKIDTEST", "s3cr3t", "1", ""};
  provider.add(creds);
  http::Request r;
  r.method = "PUT";
  r.target = "/bucket/big";
  r.headers = {{"host", "localhost:4566"}};
  std::string payload;
  for (int i = 0; i < 5000; ++i) payload += static_cast<char>('a' + i % 26);
  r.body = payload;
  sign_streaming(r, creds, "us-east-1", "s3", at("20240102T030405Z"), 1000);
  EXPECT_EQ(r.header("content-length"), std::to_string(r.body.size()));
  http::Request tampered = r;
  tampered.body[r.body.size() / 2] ^= 1;
  auto v = verify(r, provider, at("20240102T030405Z"));
  ASSERT_TRUE(v.is_ok()) << v.error().message;
  EXPECT_EQ(r.body, payload);
  EXPECT_FALSE(verify(tampered, provider, at("20240102T030405Z")).is_ok());
}

}  // namespace
}  // namespace nimbus::auth
