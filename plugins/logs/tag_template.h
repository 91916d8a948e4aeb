// The `tag` log option: Docker's Go-template subset for log tags.
//
// Contract: ExpandTagTemplate() replaces each {{...}} action with its value. An action is a
// field (.ID, .FullID, .Name, .ImageID, .ImageFullID, .ImageName, .DaemonName, .Command), a
// string literal, a function call (`upper .Name`, `truncate .ID 5`, `pad .Name "[" "]"`) or a
// pipeline whose value becomes the last argument of the next call (`.Name | upper`). Functions:
// lower, upper, title, truncate, pad, json. Anything else is a BadRequest naming the problem.
#pragma once

#include <map>
#include <string>

namespace bulkhead::logs {

std::string ExpandTagTemplate(const std::string& tag,
                              const std::map<std::string, std::string>& fields);

}  // namespace bulkhead::logs
