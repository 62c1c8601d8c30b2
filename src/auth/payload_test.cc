// Checking a body as it streams: checksums against published check values
// and the S3 documentation's trailer example, the incremental aws-chunked
// decoder on every split of the documented chunked upload, and verify() on
// streamed bodies, where a mismatch surfaces on the read that finds it.
#include <gtest/gtest.h>

#include <random>
#include <tuple>

#include "auth/checksum.h"
#include "auth/chunked.h"
#include "auth/crypto.h"
#include "auth/payload.h"
#include "auth/sigv4.h"
#include "auth/test_util.h"

namespace nimbus::auth {
namespace {

using testing::at;

std::string hex_of(const Checksum& c) {
  return crypto::hex(c.digest());
}

TEST(Checksum, CheckValuesOf123456789) {
  // The catalogue check values ("123456789") of each CRC, and FIPS 180 "abc".
  const std::pair<ChecksumAlgorithm, std::string_view> cases[] = {
      {ChecksumAlgorithm::kCrc32, "cbf43926"},
      {ChecksumAlgorithm::kCrc32c, "e3069283"},
      {ChecksumAlgorithm::kCrc64Nvme, "ae8b14860a799888"},
  };
  for (auto [algorithm, expected] : cases) {
    Checksum whole(algorithm);
    whole.update("123456789");
    EXPECT_EQ(hex_of(whole), expected) << checksum_name(algorithm);
    Checksum split(algorithm);  // any split gives the same digest
    for (char c : std::string_view("123456789")) split.update(std::string_view(&c, 1));
    EXPECT_EQ(hex_of(split), expected);
  }
  Checksum sha1(ChecksumAlgorithm::kSha1);
  sha1.update("abc");
  EXPECT_EQ(hex_of(sha1), "a9993e364706816aba3e25717850c26c9cd0d89d");
  Checksum sha256(ChecksumAlgorithm::kSha256);
  sha256.update("ab");
  sha256.update("c");
  EXPECT_EQ(hex_of(sha256), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

// A CRC one bit at a time, as the catalogue defines it (reflected, init and
// final xor all ones): the reference the fast implementations must match.
uint64_t bitwise_crc(uint64_t poly, int width, std::string_view data) {
  uint64_t mask = width == 64 ? ~0ull : (1ull << width) - 1;
  uint64_t crc = mask;
  for (unsigned char c : data) {
    crc ^= c;
    for (int k = 0; k < 8; ++k) crc = (crc & 1) ? (crc >> 1) ^ poly : crc >> 1;
  }
  return ~crc & mask;
}

TEST(Checksum, MatchesTheBitwiseDefinitionAtEveryLengthAndSplit) {
  std::mt19937_64 rng(7);
  std::string data(5000, '\0');
  for (char& c : data) c = static_cast<char>(rng());
  const std::tuple<ChecksumAlgorithm, uint64_t, int> crcs[] = {
      {ChecksumAlgorithm::kCrc32, 0xEDB88320u, 32},
      {ChecksumAlgorithm::kCrc32c, 0x82F63B78u, 32},
      {ChecksumAlgorithm::kCrc64Nvme, 0x9A6C9329AC4BC9B5ull, 64},
  };
  for (auto [algorithm, poly, width] : crcs) {
    for (size_t len : {0, 1, 7, 15, 16, 63, 64, 65, 255, 256, 1000, 4095, 5000}) {
      std::string_view bytes = std::string_view(data).substr(0, len);
      uint64_t want = bitwise_crc(poly, width, bytes);
      Checksum whole(algorithm);
      whole.update(bytes);
      Checksum split(algorithm);  // at a random place, then byte by byte for a while
      size_t cut = len ? rng() % len : 0;
      split.update(bytes.substr(0, cut));
      for (size_t i = cut; i < std::min(len, cut + 9); ++i) split.update(bytes.substr(i, 1));
      if (cut + 9 < len) split.update(bytes.substr(cut + 9));
      std::string digest = whole.digest();
      uint64_t got = 0;
      for (unsigned char c : digest) got = (got << 8) | c;
      EXPECT_EQ(got, want) << checksum_name(algorithm) << " of " << len << " bytes";
      EXPECT_EQ(split.digest(), digest) << checksum_name(algorithm) << " split at " << cut;
    }
  }
}

TEST(Checksum, WireValuesAndHeaderNames) {
  Checksum crc32(ChecksumAlgorithm::kCrc32);
  crc32.update("hello world");
  EXPECT_EQ(crc32.base64(), "DUoRhQ==");
  // The S3 documentation's trailer example: CRC32C of 66560 bytes of 'a'.
  Checksum crc32c(ChecksumAlgorithm::kCrc32c);
  std::string a(66560, 'a');
  crc32c.update(std::string_view(a).substr(0, 12345));
  crc32c.update(std::string_view(a).substr(12345));
  EXPECT_EQ(crc32c.base64(), "sOO8/Q==");
  EXPECT_EQ(checksum_from_header("X-Amz-Checksum-CRC64NVME"), ChecksumAlgorithm::kCrc64Nvme);
  EXPECT_FALSE(checksum_from_header("x-amz-checksum-md5"));
}

// The S3 documentation's chunked upload (66560 bytes of 'a', chunks of 64
// KiB and 1 KiB) and its trailer variant.
constexpr std::string_view kSecret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
constexpr std::string_view kSeed =
    "4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9";
constexpr std::string_view kSigs[] = {
    "ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648",
    "0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497",
    "b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9",
};
constexpr std::string_view kTrailerSeed =
    "106e2a8a18243abcf37539882f36619c00e2dfc72633413f02d3b74544bfeb8e";
constexpr std::string_view kTrailerSigs[] = {
    "b474d8862b1487a5145d686f57f013e54db672cee1c953b3010fb58501ef5aa2",
    "1c1344b170168f8e65b41376b44b20fe354e373826ccbbe2c1d40a8cae51e5c7",
    "2ca2aba2005185cf7159c6277faf83795951dd77a3a99e6e65d5c9f85863f992",
};
constexpr std::string_view kTrailer =
    "x-amz-checksum-crc32c:sOO8/Q==\r\n"
    "x-amz-trailer-signature:d81f82fc3505edab99d459891051a732e8730629a2e4a59689829ca17fe2e435\r\n"
    "\r\n";

std::string payload_doc_body(const std::string_view (&sigs)[3], std::string_view trailer = "\r\n") {
  std::string body =
      "10000;chunk-signature=" + std::string(sigs[0]) + "\r\n" + std::string(65536, 'a') + "\r\n";
  body += "400;chunk-signature=" + std::string(sigs[1]) + "\r\n" + std::string(1024, 'a') + "\r\n";
  body += "0;chunk-signature=" + std::string(sigs[2]) + "\r\n";
  body += trailer;
  return body;
}

detail::ChunkSigning payload_doc_signing(std::string_view seed) {
  return {detail::signing_key(kSecret, "20130524", "us-east-1", "s3"), "20130524T000000Z",
          "20130524/us-east-1/s3/aws4_request", std::string(seed)};
}

// Feeds `body` in pieces of `piece` bytes; the payload, or the first error.
Result<std::string> decode_in_pieces(std::string_view body, size_t piece,
                                     const detail::ChunkSigning& signing) {
  detail::ChunkedDecoder d(signing);
  std::string out;
  for (size_t pos = 0; pos < body.size(); pos += piece) {
    NIMBUS_TRY(d.feed(body.substr(pos, piece), out));
  }
  NIMBUS_TRY(d.finish());
  return out;
}

TEST(ChunkedDecoder, DocumentedUploadInAnySplit) {
  std::string body = payload_doc_body(kSigs);
  for (size_t piece : {1, 2, 3, 7, 64, 85, 1000, 65536, 65600, 70000}) {
    auto r = decode_in_pieces(body, piece, payload_doc_signing(kSeed));
    ASSERT_TRUE(r) << piece << ": " << r.error().message;
    EXPECT_EQ(*r, std::string(66560, 'a'));
  }
  std::string tampered = body;
  tampered[66000] = 'b';  // in the second chunk's data
  for (size_t piece : {1, 4096, 70000}) {
    auto r = decode_in_pieces(tampered, piece, payload_doc_signing(kSeed));
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, "SignatureDoesNotMatch");
  }
}

TEST(ChunkedDecoder, DocumentedTrailerInAnySplit) {
  std::string body = payload_doc_body(kTrailerSigs, kTrailer);
  for (size_t piece : {size_t{1}, size_t{5}, size_t{100}, size_t{66000}, body.size()}) {
    detail::ChunkedDecoder d(payload_doc_signing(kTrailerSeed));
    std::string out;
    for (size_t pos = 0; pos < body.size(); pos += piece) {
      ASSERT_TRUE(d.feed(std::string_view(body).substr(pos, piece), out)) << piece;
    }
    ASSERT_TRUE(d.finish());
    ASSERT_EQ(d.trailers().size(), 1u);
    EXPECT_EQ(d.trailers()[0].second, "sOO8/Q==");
  }
}

TEST(ChunkedDecoder, ABadChunkFailsAsSoonAsItEnds) {
  std::string body = payload_doc_body(kSigs);
  body[30] = body[30] == '0' ? '1' : '0';  // in the first chunk's signature
  detail::ChunkedDecoder d(payload_doc_signing(kSeed));
  std::string out;
  // The first chunk is complete after its header, data and CRLF: the
  // error comes then, long before the body's end.
  Status s = d.feed(std::string_view(body).substr(0, 65536 + 90), out);
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, "SignatureDoesNotMatch");
  EXPECT_FALSE(d.feed("more", out));  // an error is final
}

// Reads a whole stream (memory bodies call back inline).
Result<std::string> drain(std::shared_ptr<http::BodySource> s) {
  Result<std::string> out = Error{};
  http::read_all(std::move(s), SIZE_MAX, [&out](Result<std::string> r) { out = std::move(r); });
  return out;
}

TEST(PayloadStream, DocumentedTrailerChecksumIsChecked) {
  detail::PayloadExpectation e;
  e.chunked = true;
  e.signing = payload_doc_signing(kTrailerSeed);
  e.decoded_length = 66560;
  e.checksum = ChecksumAlgorithm::kCrc32c;
  std::string body = payload_doc_body(kTrailerSigs, kTrailer);
  auto ok = std::make_shared<detail::PayloadStream>(http::memory_body(body, 3000), e);
  EXPECT_EQ(ok->size(), 66560u);
  auto r = drain(ok);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(*r, std::string(66560, 'a'));

  e.checksum = ChecksumAlgorithm::kCrc32;  // the trailer names another checksum
  auto missing = drain(std::make_shared<detail::PayloadStream>(http::memory_body(body, 3000), e));
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, "IncompleteBody");

  e.checksum = ChecksumAlgorithm::kCrc32c;
  e.decoded_length = 66561;
  auto length = drain(std::make_shared<detail::PayloadStream>(http::memory_body(body, 3000), e));
  ASSERT_FALSE(length);
  EXPECT_EQ(length.error().code, "IncompleteBody");
}

class StreamedVerify : public ::testing::Test {
 protected:
  StreamedVerify() { provider_.add(creds_); }
  http::Request request(std::string body) const {
    http::Request r;
    r.method = "PUT";
    r.target = "/bucket/key";
    r.headers = {{"host", "localhost:4566"}};
    r.body = std::move(body);
    return r;
  }
  // Moves the (signed) body into a stream of small pieces, as the edge would.
  static void stream(http::Request& r) {
    r.stream = http::memory_body(std::move(r.body), 777);
    r.body.clear();
  }
  Credentials creds_{"AKIDTEST", "s3cr3t", "1", ""};
  testing::StaticCredentials provider_;
  Clock::time_point now_ = at("20240102T030405Z");
};

TEST_F(StreamedVerify, SignedChunksDecodeAsTheyAreRead) {
  std::string payload;
  for (int i = 0; i < 20000; ++i) payload += static_cast<char>('a' + i % 26);
  http::Request r = request(payload);
  sign_streaming(r, creds_, "us-east-1", "s3", now_, 4096);
  http::Request tampered = r;
  tampered.body[tampered.body.size() / 2] ^= 1;
  stream(r);
  stream(tampered);
  ASSERT_TRUE(verifies_streaming(r));
  ASSERT_TRUE(verify(r, provider_, now_)) << "the head alone verifies";
  EXPECT_EQ(r.header("content-length"), "20000");
  EXPECT_FALSE(r.has_header("content-encoding"));
  EXPECT_EQ(r.stream->size(), 20000u);
  auto body = drain(r.stream);
  ASSERT_TRUE(body) << body.error().message;
  EXPECT_EQ(*body, payload);

  ASSERT_TRUE(verify(tampered, provider_, now_));  // the head is fine...
  auto bad = drain(tampered.stream);               // ...the body is not
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, "SignatureDoesNotMatch");
}

TEST_F(StreamedVerify, PayloadHashIsCheckedAtTheEnd) {
  http::Request r = request("some object bytes");
  sign(r, creds_, "us-east-1", "s3", now_);  // s3: x-amz-content-sha256 is the body's hash
  http::Request wrong = r;
  wrong.body = "some object bytez";
  stream(r);
  stream(wrong);
  ASSERT_TRUE(verify(r, provider_, now_));
  EXPECT_EQ(*drain(r.stream), "some object bytes");
  ASSERT_TRUE(verify(wrong, provider_, now_));
  auto bad = drain(wrong.stream);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, "XAmzContentSHA256Mismatch");
}

TEST_F(StreamedVerify, UnsignedTrailerChecksumIsChecked) {
  for (auto [value, ok] : {std::pair{"DUoRhQ==", true}, std::pair{"AAAAAA==", false}}) {
    http::Request r =
        request("5\r\nhello\r\n6\r\n world\r\n0\r\nx-amz-checksum-crc32:" + std::string(value) +
                "\r\n\r\n");
    r.headers.emplace_back("x-amz-content-sha256", "STREAMING-UNSIGNED-PAYLOAD-TRAILER");
    r.headers.emplace_back("content-encoding", "aws-chunked");
    r.headers.emplace_back("x-amz-trailer", "x-amz-checksum-crc32");
    r.headers.emplace_back("x-amz-decoded-content-length", "11");
    sign(r, creds_, "us-east-1", "s3", now_);
    http::Request buffered = r;
    stream(r);
    ASSERT_TRUE(verify(r, provider_, now_));
    auto body = drain(r.stream);
    EXPECT_EQ(body.is_ok(), ok) << value;
    if (!ok) {
      EXPECT_EQ(body.error().code, "BadDigest");
    }
    // The buffered path runs the same checks.
    auto whole = verify(buffered, provider_, now_);
    EXPECT_EQ(whole.is_ok(), ok);
    if (ok) {
      EXPECT_EQ(buffered.body, "hello world");
    }
  }
}

TEST_F(StreamedVerify, WhatCanBeVerifiedBeforeTheBody) {
  http::Request with_hash = request("x");
  sign(with_hash, creds_, "us-east-1", "s3", now_);
  EXPECT_TRUE(verifies_streaming(with_hash));
  http::Request sqs = request("x");
  sign(sqs, creds_, "us-east-1", "sqs", now_);  // signs the body's hash without declaring it
  EXPECT_FALSE(verifies_streaming(sqs));
  stream(sqs);
  auto v = verify(sqs, provider_, now_);
  ASSERT_FALSE(v);
  EXPECT_EQ(v.error().code, "InvalidArgument");
  http::Request presigned = request("");
  presign(presigned, creds_, "us-east-1", "s3", now_, std::chrono::seconds(60));
  EXPECT_TRUE(verifies_streaming(presigned));
  // boto3's default presigned URL is SigV2's: it signs no body either.
  http::Request v2 = request("a body the signature does not cover");
  presign_v2(v2, creds_, now_ + std::chrono::seconds(60));
  EXPECT_TRUE(verifies_streaming(v2));
  stream(v2);
  ASSERT_TRUE(verify(v2, provider_, now_));
  EXPECT_EQ(*drain(v2.stream), "a body the signature does not cover");
  http::Request v2_header = request("x");
  v2_header.headers.push_back({"authorization", "AWS AKIDTEST:c2lnbmF0dXJl"});
  EXPECT_TRUE(verifies_streaming(v2_header));
}

}  // namespace
}  // namespace nimbus::auth
