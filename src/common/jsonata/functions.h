// The function library's pieces (functions_*.cc), gathered by the table in
// functions.cc.
#pragma once

#include "common/jsonata/eval.h"

namespace nimbus::jsonata::fns {

#define JSONATA_FN(name) Value name(Evaluator& ev, std::vector<Value>& a)

// strings
JSONATA_FN(string);
JSONATA_FN(length);
JSONATA_FN(substring);
JSONATA_FN(substring_before);
JSONATA_FN(substring_after);
JSONATA_FN(uppercase);
JSONATA_FN(lowercase);
JSONATA_FN(trim);
JSONATA_FN(pad);
JSONATA_FN(contains);
JSONATA_FN(split);
JSONATA_FN(join);
JSONATA_FN(replace);
JSONATA_FN(base64encode);
JSONATA_FN(base64decode);
JSONATA_FN(encode_url_component);
JSONATA_FN(encode_url);
JSONATA_FN(decode_url_component);
JSONATA_FN(decode_url);
JSONATA_FN(error);
JSONATA_FN(assert_);
JSONATA_FN(eval_unsupported);
// regular expressions (functions_regex.cc)
JSONATA_FN(match);
JSONATA_FN(regex_contains);
JSONATA_FN(regex_split);
JSONATA_FN(regex_replace);
// numbers and aggregates
JSONATA_FN(number);
JSONATA_FN(abs);
JSONATA_FN(floor);
JSONATA_FN(ceil);
JSONATA_FN(round);
JSONATA_FN(power);
JSONATA_FN(sqrt);
JSONATA_FN(random);
JSONATA_FN(format_base);
JSONATA_FN(format_number_picture);  // $formatNumber
JSONATA_FN(format_integer);
JSONATA_FN(parse_integer);
JSONATA_FN(shuffle);
JSONATA_FN(sum);
JSONATA_FN(max);
JSONATA_FN(min);
JSONATA_FN(average);
JSONATA_FN(count);
JSONATA_FN(boolean);
JSONATA_FN(not_);
JSONATA_FN(exists);
JSONATA_FN(type);
// arrays, objects, higher-order
JSONATA_FN(keys);
JSONATA_FN(lookup);
JSONATA_FN(merge);
JSONATA_FN(each);
JSONATA_FN(spread);
JSONATA_FN(sift);
JSONATA_FN(append);
JSONATA_FN(reverse);
JSONATA_FN(sort);
JSONATA_FN(distinct);
JSONATA_FN(zip);
JSONATA_FN(map);
JSONATA_FN(filter);
JSONATA_FN(single);
JSONATA_FN(reduce);
// time
JSONATA_FN(now);
JSONATA_FN(millis);
JSONATA_FN(from_millis);
JSONATA_FN(to_millis);

#undef JSONATA_FN

}  // namespace nimbus::jsonata::fns
