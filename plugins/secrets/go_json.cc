#include "plugins/secrets/go_json.h"

#include <nlohmann/json.hpp>

namespace bulkhead::secrets {
namespace {

constexpr size_t kMaxDepth = 512;

const GoJson& NullValue() {
  static const GoJson kNull;
  return kNull;
}

const char* KindName(GoJson::Kind kind) {
  switch (kind) {
    case GoJson::Kind::kNull:
      return "null";
    case GoJson::Kind::kBool:
      return "boolean";
    case GoJson::Kind::kInteger:
      return "integer";
    case GoJson::Kind::kFloat:
      return "number";
    case GoJson::Kind::kString:
      return "string";
    case GoJson::Kind::kArray:
      return "array";
    case GoJson::Kind::kObject:
      return "object";
  }
  return "value";
}

}  // namespace

// Builds GoJson trees from nlohmann's SAX events, keeping duplicate keys in order.
class GoJsonBuilder : public nlohmann::json_sax<nlohmann::json> {
 public:
  GoJson TakeRoot() { return std::move(root_); }

  bool null() override { return Add(GoJson()); }
  bool boolean(bool value) override {
    GoJson node;
    node.kind_ = GoJson::Kind::kBool;
    node.bool_ = value;
    return Add(std::move(node));
  }
  bool number_integer(number_integer_t value) override { return Integer(value, ""); }
  bool number_unsigned(number_unsigned_t value) override {
    if (value > static_cast<number_unsigned_t>(INT64_MAX)) return Float(std::to_string(value));
    return Integer(static_cast<int64_t>(value), "");
  }
  bool number_float(number_float_t /*value*/, const string_t& text) override { return Float(text); }
  bool string(string_t& value) override {
    GoJson node;
    node.kind_ = GoJson::Kind::kString;
    node.string_ = std::move(value);
    return Add(std::move(node));
  }
  bool binary(binary_t& /*value*/) override { return false; }
  bool start_object(std::size_t /*size*/) override { return Open(GoJson::Kind::kObject); }
  bool key(string_t& value) override {
    pending_keys_.back() = std::move(value);
    return true;
  }
  bool end_object() override { return Close(); }
  bool start_array(std::size_t /*size*/) override { return Open(GoJson::Kind::kArray); }
  bool end_array() override { return Close(); }
  bool parse_error(std::size_t position, const std::string& /*token*/,
                   const nlohmann::detail::exception& error) override {
    throw GoJsonError("request body is not valid JSON at byte " + std::to_string(position) + ": " +
                      error.what());
  }

 private:
  bool Integer(int64_t value, const std::string& /*unused*/) {
    GoJson node;
    node.kind_ = GoJson::Kind::kInteger;
    node.integer_ = value;
    return Add(std::move(node));
  }
  bool Float(const std::string& text) {
    GoJson node;
    node.kind_ = GoJson::Kind::kFloat;
    node.string_ = text;
    return Add(std::move(node));
  }
  bool Open(GoJson::Kind kind) {
    if (open_.size() >= kMaxDepth)
      throw GoJsonError("request body nests deeper than " + std::to_string(kMaxDepth) + " levels");
    GoJson node;
    node.kind_ = kind;
    open_.push_back(std::move(node));
    pending_keys_.emplace_back();
    return true;
  }
  bool Close() {
    GoJson node = std::move(open_.back());
    open_.pop_back();
    pending_keys_.pop_back();
    return Add(std::move(node));
  }
  bool Add(GoJson node) {
    if (open_.empty()) {
      root_ = std::move(node);
      return true;
    }
    GoJson& parent = open_.back();
    if (parent.kind_ == GoJson::Kind::kArray)
      parent.items_.push_back(std::move(node));
    else
      parent.members_.emplace_back(pending_keys_.back(), std::move(node));
    return true;
  }

  GoJson root_;
  std::vector<GoJson> open_;
  std::vector<std::string> pending_keys_;
};

std::string GoFoldKey(std::string_view key) {
  std::string folded;
  folded.reserve(key.size());
  for (size_t i = 0; i < key.size(); ++i) {
    const unsigned char c = key[i];
    if (c == 0xC5 && i + 1 < key.size() && static_cast<unsigned char>(key[i + 1]) == 0xBF) {
      folded += 's';  // U+017F LATIN SMALL LETTER LONG S
      ++i;
    } else if (c == 0xE2 && key.substr(i, 3) == "\xE2\x84\xAA") {
      folded += 'k';  // U+212A KELVIN SIGN
      i += 2;
    } else {
      folded += static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
    }
  }
  return folded;
}

GoJson GoJson::Parse(std::string_view text) {
  GoJsonBuilder builder;
  nlohmann::json::sax_parse(text.begin(), text.end(), &builder,
                            nlohmann::json::input_format_t::json, /*strict=*/false);
  return builder.TakeRoot();
}

const GoJson& GoJson::Field(std::string_view name) const {
  if (kind_ == Kind::kNull) return NullValue();
  Require(Kind::kObject, "an object");
  const std::string wanted = GoFoldKey(name);
  const GoJson* found = &NullValue();
  for (const auto& [key, value] : members_)
    if (!value.IsNull() && GoFoldKey(key) == wanted) found = &value;
  return *found;
}

const GoJson& GoJson::Entry(std::string_view key) const {
  if (kind_ == Kind::kNull) return NullValue();
  Require(Kind::kObject, "an object");
  const GoJson* found = &NullValue();
  for (const auto& [name, value] : members_)
    if (name == key) found = &value;
  return *found;
}

void GoJson::Require(Kind kind, const char* what) const {
  if (kind_ != kind)
    throw GoJsonError(std::string("expected ") + what + ", found " + KindName(kind_));
}

bool GoJson::Bool() const {
  if (IsNull()) return false;
  Require(Kind::kBool, "a boolean");
  return bool_;
}

int64_t GoJson::Integer() const {
  if (IsNull()) return 0;
  Require(Kind::kInteger, "an integer");
  return integer_;
}

std::string GoJson::String() const {
  if (IsNull()) return "";
  Require(Kind::kString, "a string");
  return string_;
}

const std::vector<GoJson>& GoJson::Items() const {
  static const std::vector<GoJson> kEmpty;
  if (IsNull()) return kEmpty;
  Require(Kind::kArray, "an array");
  return items_;
}

std::vector<std::string> GoJson::Strings() const {
  std::vector<std::string> values;
  for (const GoJson& item : Items()) values.push_back(item.String());
  return values;
}

std::map<std::string, std::string> GoJson::StringMap() const {
  std::map<std::string, std::string> values;
  if (IsNull()) return values;
  Require(Kind::kObject, "an object");
  for (const auto& [key, value] : members_) values[key] = value.String();
  return values;
}

}  // namespace bulkhead::secrets
