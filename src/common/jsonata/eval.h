// The evaluator's working values and its state for one evaluate() call.
// Values are JSON or a function or nothing; a JSON array may be a
// *sequence* (what a path produces: flattened, and a single item unwrapped
// when the expression ends) or a constructed array (kept whole).
//
// Failures do not throw: the first one is kept in `error_` and every
// evaluation step returns nothing after it, so callers check failed() after
// each sub-evaluation that can fail (EVAL_TRY).
#pragma once

#include <boost/json.hpp>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/jsonata/ast.h"
#include "common/jsonata/jsonata.h"
#include "common/jsonata/regex.h"

namespace nimbus::jsonata {

struct Builtin;
struct Env;
struct Function;

struct Value {
  enum class Kind : uint8_t { kUndefined, kJson, kFunction };
  Kind kind = Kind::kUndefined;
  bool sequence = false;        // a path's result (json is an array)
  bool keep_singleton = false;  // a[]: a sequence of one stays an array
  bool cons = false;            // made by an array constructor: not flattened by paths
  boost::json::value json;
  std::shared_ptr<const Function> fn;

  Value() = default;
  Value(boost::json::value j) : kind(Kind::kJson), json(std::move(j)) {}  // NOLINT
  static Value function(std::shared_ptr<const Function> f) {
    Value v;
    v.kind = Kind::kFunction;
    v.fn = std::move(f);
    return v;
  }
  static Value seq() {
    Value v{boost::json::array()};
    v.sequence = true;
    return v;
  }
  bool undefined() const { return kind == Kind::kUndefined; }
  bool is_json() const { return kind == Kind::kJson; }
  bool is_function() const { return kind == Kind::kFunction; }
  bool is_array() const { return is_json() && json.is_array(); }
  bool is_number() const { return is_json() && json.is_number(); }
  bool is_string() const { return is_json() && json.is_string(); }
  double number() const { return json.to_number<double>(); }
};

struct Function {
  const Node* lambda = nullptr;  // a user function: its kLambda node
  std::shared_ptr<Env> closure;
  Value input;  // the context the lambda was defined in
  const Builtin* builtin = nullptr;
  const Native* native = nullptr;  // the caller's (Options::functions)
  std::string name;
  std::vector<Value> chain;            // f ~> g of two functions: each applied to the last's result
  std::shared_ptr<const Regex> regex;  // a /regex/: applied to a string, its first match
  // f(a, ?, b): `partial` is f, `bound` its arguments with a hole for each ?
  // that the call's arguments fill in order.
  std::shared_ptr<const Function> partial;
  std::vector<std::optional<Value>> bound;
  const Node* transform = nullptr;  // | pattern | update, delete |, with `closure`
  size_t arity() const;
};

// One item of a path evaluated as a tuple stream (tuples.cc): "@" is the
// item, the other entries the variables bound by the steps so far (`@$v`,
// `#$i`, the parent labels of `%`).
using Tuple = std::map<std::string, Value, std::less<>>;

struct Env {
  std::shared_ptr<Env> parent;
  std::map<std::string, Value, std::less<>> vars;
  const Value* find(std::string_view name) const {
    for (const Env* e = this; e != nullptr; e = e->parent.get()) {
      auto it = e->vars.find(name);
      if (it != e->vars.end()) return &it->second;
    }
    return nullptr;
  }
};

class Evaluator;
using BuiltinFn = Value (*)(Evaluator& ev, std::vector<Value>& args);

// A function signature (`<s-nn?:s>`), parsed once.
struct Param {
  std::string types;  // letters b n s l a o f x j u
  std::string of;     // a<...>: the item types
  bool optional = false;
  bool variadic = false;
  bool context = false;  // `-`: the context fills it when omitted
};
std::vector<Param> parse_signature(std::string_view sig);

struct Builtin {
  const char* name;
  const char* signature;
  BuiltinFn fn;
  std::vector<Param> params;
};
const Builtin* find_builtin(std::string_view name);

class Evaluator {
 public:
  Evaluator(const Options& options, const boost::json::value* input);
  ~Evaluator();
  Evaluator(const Evaluator&) = delete;
  Evaluator& operator=(const Evaluator&) = delete;

  Value run(const Node& root);
  const std::optional<Error>& error() const { return error_; }

  // For the function library.
  bool failed() const { return error_.has_value(); }
  void fail(std::string code, std::string message, size_t position = 0);
  bool count(uint64_t n = 1);  // false (and failed) past max_steps
  Value apply(const Value& fn, std::vector<Value> args, const Value& context, size_t position);
  // Calls a function with as many of (args) as it takes (the higher-order
  // functions' convention).
  Value call_with(const Value& fn, std::vector<Value> args);
  const Options& options() const { return options_; }
  double random();
  const std::string& current_function() const { return current_; }

 private:
  Value eval(const Node& n, const Value& input, const std::shared_ptr<Env>& env);
  Value eval_bare(const Node& n, const Value& input, const std::shared_ptr<Env>& env);
  Value path(const Node& n, const Value& input, const std::shared_ptr<Env>& env);
  Value step(const Node& n, const Value& items, bool last, const std::shared_ptr<Env>& env);
  Value sort(const Node& n, const Value& items, const std::shared_ptr<Env>& env);
  // The order of `count` items by the sort step's terms, `key(i, term)`
  // evaluating a term for item i.
  std::vector<size_t> sort_order(const Node& n, size_t count,
                                 const std::function<Value(size_t, const Node&)>& key);
  // The steps of a path from `input`; `tuples` is engaged once a step binds
  // a variable (tuples.cc), and then holds the result.
  Value walk(const Node& n, const Value& input, const std::shared_ptr<Env>& env,
             std::optional<std::vector<Tuple>>& tuples);
  std::vector<Tuple> tuple_step(const Node& s, const Value& items, const std::vector<Tuple>* in,
                                const std::shared_ptr<Env>& env);
  bool tuple_result(const Node& s, const Value& context, const std::shared_ptr<Env>& frame,
                    Value& value, std::vector<Tuple>& tuples);
  void stages(const Node& s, std::vector<Tuple>& tuples, const std::shared_ptr<Env>& env);
  std::vector<Tuple> filter_tuples(const Node& pred, std::vector<Tuple> tuples,
                                   const std::shared_ptr<Env>& env);
  Value group_tuples(const Node& obj, const std::vector<Tuple>& tuples,
                     const std::shared_ptr<Env>& env);
  static std::shared_ptr<Env> frame(const std::shared_ptr<Env>& env, const Tuple& t);
  Value filter(const Node& pred, const Value& input, const std::shared_ptr<Env>& env);
  Value group(const Node& obj, const Value& input, const std::shared_ptr<Env>& env);
  // Groups `count` items by the object constructor's keys: `key_of(i)` is
  // item i's context and environment for the keys, `value_of(members)` a
  // group's for its value.
  using Context = std::pair<Value, std::shared_ptr<Env>>;
  Value group_by(const Node& obj, size_t count, const std::function<Context(size_t)>& key_of,
                 const std::function<Context(const std::vector<size_t>&)>& value_of);
  Value binary(const Node& n, const Value& input, const std::shared_ptr<Env>& env);
  Value array(const Node& n, const Value& input, const std::shared_ptr<Env>& env);
  Value range(const Node& n, const Value& input, const std::shared_ptr<Env>& env);
  Value call(const Node& n, const Value& input, const std::shared_ptr<Env>& env,
             const Value* first);
  Value variable(const Node& n, const Value& input, const std::shared_ptr<Env>& env);
  Value transform(const Function& f, const Value& arg, size_t position);  // transform.cc
  bool transform_match(const Node& pattern, boost::json::value& root,
                       const std::shared_ptr<Env>& env, std::vector<boost::json::object*>& out);
  bool check_args(const Function& f, const std::vector<Param>& params, std::vector<Value>& args,
                  const Value& context, size_t position);

  // An Env holding a function may be that function's closure (a recursive
  // lambda): a shared_ptr cycle. Such Envs are noted here and emptied when
  // the evaluation ends.
  void holds_function(const std::shared_ptr<Env>& env);
  std::vector<std::weak_ptr<Env>> function_envs_;

  const Options& options_;
  Value root_;
  std::shared_ptr<Env> globals_;
  std::optional<Error> error_;
  std::string current_;
  uint64_t steps_ = 0;
  int depth_ = 0;
  uintptr_t stack_base_ = 0;  // the address of a local at the start: how deep the C++ stack went
};

// Shared helpers (values.cc).
bool truthy(const Value& v);
bool deep_equal(const boost::json::value& a, const boost::json::value& b);
Value append(Value a, Value b);
Value lookup(const Value& input, std::string_view key);
Value unwrap(Value v);  // a sequence of 0 -> undefined, of 1 -> its item (unless keep_singleton)
// Whether a predicate's value `r` selects item `index` of `length`: its
// number or one of its numbers (negative from the end), or its truth.
bool selects(const Value& r, int64_t index, int64_t length);
std::optional<std::string> to_string(const Value& v, bool pretty, Evaluator& ev);
void write_json(std::string& out, const boost::json::value& v, bool pretty, int indent, bool p15);
char type_letter(const Value& v);
size_t utf8_length(std::string_view s);
std::vector<std::string> utf8_chars(std::string_view s);
void append_utf8(std::string& out, uint32_t code_point);
uint32_t decode_utf8(std::string_view one_character);  // as utf8_chars splits them
Value number(double d);                                // fails nothing; callers check finiteness

// A regex's matches in `s` from byte `from`, as JSONata's matchers give them
// (functions_regex.cc): the first may be empty; one after it may not
// (D1004). nullopt when there is none or the evaluation failed.
std::optional<Regex::Match> next_match(Evaluator& ev, const Regex& re, std::string_view s,
                                       size_t from, bool first);
// {match, index|start/end, groups} of one match (offsets in code points).
boost::json::object match_object(std::string_view s, const Regex::Match& m, bool start_end);

}  // namespace nimbus::jsonata
