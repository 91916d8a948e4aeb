#include "plugins/logs/tag_template.h"

#include <cctype>
#include <nlohmann/json.hpp>
#include <vector>

#include "common/plugin_server.h"

namespace bulkhead::logs {
namespace {

[[noreturn]] void Fail(const std::string& tag, const std::string& problem) {
  throw BadRequest("log-opt tag=" + tag + ": " + problem);
}

// Splits an action into words; "quoted strings" stay whole (quotes removed, marked by a leading
// '"'), and '|' is a word of its own.
std::vector<std::string> Words(const std::string& action, const std::string& tag) {
  std::vector<std::string> words;
  for (size_t i = 0; i < action.size();) {
    const char c = action[i];
    if (std::isspace(static_cast<unsigned char>(c))) {
      ++i;
    } else if (c == '"') {
      const size_t end = action.find('"', i + 1);
      if (end == std::string::npos) Fail(tag, "unterminated string in {{" + action + "}}");
      words.push_back(action.substr(i, end - i));  // keeps the opening quote as a marker
      i = end + 1;
    } else if (c == '|') {
      words.emplace_back("|");
      ++i;
    } else {
      size_t end = i;
      while (end < action.size() && !std::isspace(static_cast<unsigned char>(action[end])) &&
             action[end] != '|')
        ++end;
      words.push_back(action.substr(i, end - i));
      i = end;
    }
  }
  return words;
}

std::string Call(const std::string& function, const std::vector<std::string>& args,
                 const std::string& tag) {
  auto need = [&](size_t count) {
    if (args.size() != count)
      Fail(tag, function + " takes " + std::to_string(count) + " argument(s)");
  };
  std::string text = args.empty() ? "" : args[0];
  if (function == "lower" || function == "upper") {
    need(1);
    for (char& c : text)
      c = static_cast<char>(function == "lower" ? std::tolower(static_cast<unsigned char>(c))
                                                : std::toupper(static_cast<unsigned char>(c)));
    return text;
  }
  if (function == "title") {
    need(1);
    bool start = true;
    for (char& c : text) {
      if (start) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      start = std::isspace(static_cast<unsigned char>(c)) != 0;
    }
    return text;
  }
  if (function == "truncate") {
    need(2);
    size_t length = 0;
    try {
      length = std::stoul(args[1]);
    } catch (const std::exception&) {
      Fail(tag, "truncate wants a length, got \"" + args[1] + "\"");
    }
    return text.substr(0, length);
  }
  if (function == "pad") {
    need(3);
    return args[1] + text + args[2];
  }
  if (function == "json") {
    need(1);
    return nlohmann::json(text).dump();
  }
  Fail(tag, "unknown function \"" + function + "\"");
}

std::string Operand(const std::string& word, const std::map<std::string, std::string>& fields,
                    const std::string& tag) {
  if (!word.empty() && word[0] == '"') return word.substr(1);
  if (!word.empty() && word[0] == '.') {
    const auto value = fields.find(word);
    if (value == fields.end()) Fail(tag, "unknown template field {{" + word + "}}");
    return value->second;
  }
  if (!word.empty() && std::isdigit(static_cast<unsigned char>(word[0]))) return word;
  Fail(tag, "expected a field, a string or a number, got \"" + word + "\"");
}

std::string Evaluate(const std::string& action, const std::map<std::string, std::string>& fields,
                     const std::string& tag) {
  const std::vector<std::string> words = Words(action, tag);
  std::string value;
  bool have_value = false;
  for (size_t i = 0; i < words.size();) {
    size_t end = i;
    while (end < words.size() && words[end] != "|") ++end;
    if (end == i) Fail(tag, "empty command in {{" + action + "}}");
    const std::string& head = words[i];
    std::vector<std::string> args;
    for (size_t k = i + 1; k < end; ++k) args.push_back(Operand(words[k], fields, tag));
    if (have_value) args.push_back(value);  // a pipeline's value is the last argument
    const bool is_function =
        head[0] != '.' && head[0] != '"' && !std::isdigit(static_cast<unsigned char>(head[0]));
    if (is_function) {
      value = Call(head, args, tag);
    } else {
      if (!args.empty()) Fail(tag, "\"" + head + "\" is not a function");
      value = Operand(head, fields, tag);
    }
    have_value = true;
    i = end + 1;
  }
  if (!have_value) Fail(tag, "empty {{}}");
  return value;
}

}  // namespace

std::string ExpandTagTemplate(const std::string& tag,
                              const std::map<std::string, std::string>& fields) {
  std::string out;
  size_t at = 0;
  while (true) {
    const size_t open = tag.find("{{", at);
    out += tag.substr(at, open == std::string::npos ? std::string::npos : open - at);
    if (open == std::string::npos) return out;
    const size_t close = tag.find("}}", open);
    if (close == std::string::npos) Fail(tag, "unclosed {{");
    out += Evaluate(tag.substr(open + 2, close - open - 2), fields, tag);
    at = close + 2;
  }
}

}  // namespace bulkhead::logs
