// GoJson: a JSON document read the way Go's encoding/json reads it into Docker's API structs, so
// that the authorization plugin sees exactly what the daemon will act on.
//
// Contract: Parse() reads the first JSON value of the text (trailing bytes are ignored, as Go's
// json.Decoder does) and keeps every object member in input order, duplicates included. Field()
// is struct-field lookup: keys match case-insensitively under Go's folding (ASCII plus U+017F and
// U+212A, the only non-ASCII runes that fold to ASCII letters), the last matching member wins,
// and a null member is skipped because Go leaves the field unchanged. Entry() is map lookup:
// exact keys, last duplicate wins. Typed accessors throw GoJsonError when the value has a type
// Go would refuse to decode into that field, so a caller can fail closed. Nesting deeper than
// 512 levels is refused at Parse().
#pragma once

#include <cstdint>
#include <map>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace bulkhead::secrets {

class GoJsonError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class GoJson {
 public:
  enum class Kind { kNull, kBool, kInteger, kFloat, kString, kArray, kObject };
  using Member = std::pair<std::string, GoJson>;

  static GoJson Parse(std::string_view text);

  Kind kind() const { return kind_; }
  bool IsNull() const { return kind_ == Kind::kNull; }

  // Struct field `name` (see the contract); a null value when absent.
  const GoJson& Field(std::string_view name) const;
  // Map entry `key`, exact match; a null value when absent.
  const GoJson& Entry(std::string_view key) const;

  bool Bool() const;           // false for null
  int64_t Integer() const;     // 0 for null
  std::string String() const;  // "" for null
  // []string: null elements read as "".
  std::vector<std::string> Strings() const;
  // map[string]string: exact keys, last duplicate wins, null values read as "".
  std::map<std::string, std::string> StringMap() const;
  // Array elements (empty for null).
  const std::vector<GoJson>& Items() const;
  const std::vector<Member>& Members() const { return members_; }

 private:
  friend class GoJsonBuilder;
  void Require(Kind kind, const char* what) const;

  Kind kind_ = Kind::kNull;
  bool bool_ = false;
  int64_t integer_ = 0;
  std::string string_;  // string value, or the number's text
  std::vector<GoJson> items_;
  std::vector<Member> members_;
};

// Go's case folding of a struct key (ASCII letters, ſ -> s, K -> k).
std::string GoFoldKey(std::string_view key);

}  // namespace bulkhead::secrets
