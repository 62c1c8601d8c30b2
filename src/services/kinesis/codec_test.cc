// The pure pieces: hash key arithmetic, sequence numbers, shard iterator tokens.
#include <gtest/gtest.h>

#include "common/encoding.h"
#include "services/kinesis/hash_key.h"
#include "services/kinesis/iterator.h"
#include "services/kinesis/sequence.h"

namespace nimbus::services::kinesis {
namespace {

TEST(KinesisHashKey, DecimalRoundTripsAndRejectsOverflow) {
  EXPECT_EQ(to_decimal(kMaxHashKey), "340282366920938463463374607431768211455");
  EXPECT_EQ(parse_hash_key("340282366920938463463374607431768211455"), kMaxHashKey);
  EXPECT_FALSE(parse_hash_key("340282366920938463463374607431768211456"));
  EXPECT_FALSE(parse_hash_key("-1"));
  EXPECT_FALSE(parse_hash_key(""));
  EXPECT_EQ(to_decimal(*parse_hash_key("0")), "0");
}

TEST(KinesisHashKey, SplitsTheSpaceAsAwsDoes) {
  auto two = split_range(0, kMaxHashKey, 2);
  ASSERT_EQ(two.size(), 2u);
  EXPECT_EQ(to_decimal(two[0].second), "170141183460469231731687303715884105727");
  EXPECT_EQ(to_decimal(two[1].first), "170141183460469231731687303715884105728");
  auto three = split_range(0, kMaxHashKey, 3);
  EXPECT_EQ(to_decimal(three[1].first), "113427455640312821154458202477256070485");
  EXPECT_EQ(to_decimal(three[2].first), "226854911280625642308916404954512140970");
  EXPECT_EQ(three[2].second, kMaxHashKey);
  auto one = split_range(0, kMaxHashKey, 1);
  EXPECT_EQ(one[0].first, 0u);
  EXPECT_EQ(one[0].second, kMaxHashKey);
}

TEST(KinesisHashKey, PartitionKeyIsItsMd5) {
  // md5("a") = 0cc175b9c0f1b6a831c399e269772661
  EXPECT_EQ(to_decimal(hash_of_partition_key("a")), "16955237001963240173058271559858726497");
  // The longest partition key (256 characters): several MD5 blocks.
  EXPECT_EQ(to_decimal(hash_of_partition_key(std::string(256, 'k'))),
            "301629968840217465112527951012756180897");
}

TEST(KinesisSequence, FixedWidthOrderedAndParsedBack) {
  std::string a = format_sequence({7, 2, 9});
  std::string b = format_sequence({7, 2, 10});
  EXPECT_EQ(a.size(), 56u);
  EXPECT_LT(a, b);
  auto p = parse_sequence(b);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->stream_id, 7u);
  EXPECT_EQ(p->shard, 2u);
  EXPECT_EQ(p->seq, 10u);
  EXPECT_FALSE(parse_sequence("1" + b.substr(1)));
  EXPECT_FALSE(parse_sequence(b.substr(1)));
  EXPECT_FALSE(parse_sequence(b.substr(0, 55) + "x"));
}

TEST(KinesisIterator, RoundTripsAndRefusesAlteredOrForeignTokens) {
  IteratorCodec codec(std::string(32, 'k'));
  ShardPosition p{3, 1, 42, 1'700'000'000'000};
  std::string token = codec.encode(p);
  auto back = codec.decode(token);
  ASSERT_TRUE(back);
  EXPECT_EQ(back->stream_id, 3u);
  EXPECT_EQ(back->shard, 1u);
  EXPECT_EQ(back->next_seq, 42u);
  EXPECT_EQ(back->issued_ms, p.issued_ms);
  // Another server's key, one flipped bit anywhere, or garbage: refused.
  EXPECT_FALSE(IteratorCodec(std::string(32, 'j')).decode(token));
  auto bytes = *base64_decode(token);
  for (size_t i = 0; i < bytes.size(); ++i) {
    std::string altered = bytes;
    altered[i] = static_cast<char>(altered[i] ^ 1);
    EXPECT_FALSE(codec.decode(base64_encode(altered))) << i;
  }
  EXPECT_FALSE(codec.decode(""));
  EXPECT_FALSE(codec.decode(std::string(60, '!')));
}

}  // namespace
}  // namespace nimbus::services::kinesis
