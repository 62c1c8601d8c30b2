// Velocity Template Language (the subset AWS mapping templates use) over
// boost::json values: API Gateway's request and response templates are its
// first user; nothing here knows of API Gateway beyond `$util` (util.h).
//
// Template::parse() compiles once (parse a template per deployment, not per
// request); render() runs it with the caller's variables and host objects
// (`$input`, `$util`: objects whose methods are C++). Supported: text,
// references `$a`, `${a}`, `$!a`, `$!{a}` with `.property`, `.method(args)`
// and `[index]` steps; `#set`, `#if/#elseif/#else/#end`, `#foreach` (with
// `$foreach.hasNext/index/count/first/last` and `$velocityCount`),
// `#break`, `#stop`, `##` and `#* *#` comments, `#[[unparsed]]#`; literals
// (numbers, 'text', "interpolated $text", true, false, null, [lists],
// [1..n] ranges, {"maps": 1}); operators || && ! == != < <= > >= + - * / %
// and their word forms (and or not eq ne lt le gt ge); methods of strings,
// lists and maps as Java names them (README.md lists them).
//
// Output follows Velocity 1.7: a reference that resolves to nothing (or
// null) renders as its own text unless quiet (`$!`); values render as Java's
// toString ({a=1, b=[x, y]} for a map). A line holding only a directive
// renders nothing (not even its indentation or line break).
//
// Bounds: nesting depth at parse, evaluation steps, loop iterations and the
// output size at render; hostile templates end in an Error, never a hang or
// stack overflow.
//
// Threads: a Template is immutable after parse; render() may run on many
// threads at once (each call has its own state). Host objects are only read.
#pragma once

#include <boost/json.hpp>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace nimbus::vtl {

struct Error {
  std::string message;
  size_t line = 0;  // 1-based; 0 when the error is not tied to the text
  size_t column = 0;
};

// An object whose methods are C++ ($input, $util). `call` answers a method
// (`$o.m(args)`) or a property (`$o.p`: the name with no arguments and
// `property` set): a value, nullopt for "no such method or no value" (the
// reference then renders as written), or an Error that stops rendering.
class HostObject {
 public:
  virtual ~HostObject() = default;
  using Answer = std::variant<std::optional<boost::json::value>, Error>;
  virtual Answer call(std::string_view name, const std::vector<boost::json::value>& args,
                      bool property) const = 0;
};

struct Context {
  std::map<std::string, boost::json::value, std::less<>> variables;  // $name -> value
  std::map<std::string, const HostObject*, std::less<>> objects;     // $name -> object (not owned)
  uint64_t max_steps = 1'000'000;        // evaluation steps, loop iterations included
  size_t max_loop = 10'000;              // iterations of one #foreach (and items of a range)
  size_t max_output = 10 * 1024 * 1024;  // bytes rendered
};

struct Node;

class Template {
 public:
  static std::variant<Template, Error> parse(std::string_view text);
  using Variables = std::map<std::string, boost::json::value, std::less<>>;
  // The rendered text, or why it stopped. `context` is read only; when
  // `assigned` is given it receives the variables the template set (a
  // caller variable changed by `#set($v.member = ...)` included: API
  // Gateway reads `$context.responseOverride` that way).
  std::variant<std::string, Error> render(const Context& context,
                                          Variables* assigned = nullptr) const;
  // Whether the template names `$name` anywhere (a caller may skip making
  // a variable nobody reads).
  bool uses(std::string_view name) const { return roots_ && roots_->contains(name); }

 private:
  std::shared_ptr<const std::vector<Node>> body_;
  std::shared_ptr<const std::set<std::string, std::less<>>> roots_;
};

// Java's toString of a value: strings as they are, numbers as Java prints
// them, lists [a, b], maps {k=v}.
std::string to_text(const boost::json::value& v);

// JSON text with numbers as Java writes them (1.0, 1.0E20; non-finite ones
// as null): what $input.json gives.
std::string json_text(const boost::json::value& v);

// JSONPath as $input.path/json read it: `$`, `.name`, `['name']`,
// `[index]` (negative from the end), `[*]` and `.*`. A path with a wildcard
// gives the array of what matched; nullopt when nothing did or the path is
// malformed.
std::optional<boost::json::value> json_path(const boost::json::value& doc, std::string_view path);

// `$util`: escapeJavaScript, parseJson, urlEncode, urlDecode, base64Encode,
// base64Decode. One shared instance; stateless.
const HostObject& util_object();

}  // namespace nimbus::vtl
