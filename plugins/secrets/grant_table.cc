#include "plugins/secrets/grant_table.h"

#include <nlohmann/json.hpp>

#include "common/atomic_file.h"

namespace bulkhead::secrets {
namespace {

constexpr std::chrono::minutes kPendingLifetime{5};

nlohmann::json ToJson(const ContainerBinding& binding) {
  return {{"name", binding.name},
          {"image", binding.image},
          {"volumes", binding.volumes},
          {"config_volumes", binding.config_volumes}};
}

}  // namespace

GrantTable::GrantTable(std::string state_path) : state_path_(std::move(state_path)) {
  const auto text = ReadFileIfExists(state_path_);
  if (!text) return;
  nlohmann::json state;
  try {
    state = nlohmann::json::parse(*text);
    state.at("containers");
  } catch (const nlohmann::json::exception& e) {  // fail closed: bindings are what protects
    throw std::runtime_error("secrets state " + state_path_ + " is unreadable (" + e.what() +
                             "); restore it or remove it to forget every binding");
  }
  for (const auto& [id, entry] : state.at("containers").items()) {
    ContainerBinding binding;
    binding.id = id;
    binding.name = entry.at("name").get<std::string>();
    binding.image = entry.at("image").get<std::string>();
    binding.volumes = entry.at("volumes").get<std::set<std::string>>();
    binding.config_volumes = entry.value("config_volumes", std::set<std::string>{});
    containers_[id] = binding;
  }
}

void GrantTable::Save() const {
  nlohmann::json containers = nlohmann::json::object();
  for (const auto& [id, binding] : containers_) containers[id] = ToJson(binding);
  ReplaceFileAtomically(state_path_, nlohmann::json{{"containers", containers}}.dump(2),
                        Durability::kFsync);
}

void GrantTable::AddPending(const std::set<std::string>& volumes) {
  std::lock_guard<std::mutex> lock(mutex_);
  const auto now = std::chrono::steady_clock::now();
  for (auto it = pending_.begin(); it != pending_.end();)
    it = it->second <= now ? pending_.erase(it) : std::next(it);
  const auto expiry = now + kPendingLifetime;
  for (const std::string& volume : volumes) pending_[volume] = expiry;
}

void GrantTable::Bind(const ContainerBinding& binding) {
  std::lock_guard<std::mutex> lock(mutex_);
  containers_[binding.id] = binding;
  for (const std::string& volume : binding.volumes) pending_.erase(volume);
  for (const std::string& volume : binding.config_volumes) pending_.erase(volume);
  Save();
}

std::optional<ContainerBinding> GrantTable::Forget(const std::string& reference) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto found = FindLocked(reference);
  if (found) {
    containers_.erase(found->id);
    Save();
  }
  return found;
}

void GrantTable::ForgetName(const std::string& name) {
  std::lock_guard<std::mutex> lock(mutex_);
  const size_t before = containers_.size();
  for (auto it = containers_.begin(); it != containers_.end();)
    it = !name.empty() && it->second.name == name ? containers_.erase(it) : std::next(it);
  if (containers_.size() != before) Save();
}

std::optional<ContainerBinding> GrantTable::Find(const std::string& reference) const {
  std::lock_guard<std::mutex> lock(mutex_);
  return FindLocked(reference);
}

std::optional<ContainerBinding> GrantTable::FindLocked(const std::string& reference) const {
  if (reference.empty()) return std::nullopt;
  const std::string name = reference[0] == '/' ? reference.substr(1) : reference;
  if (auto it = containers_.find(reference); it != containers_.end()) return it->second;
  for (const auto& [id, binding] : containers_)
    if (binding.name == name) return binding;
  for (const auto& [id, binding] : containers_)
    if (id.rfind(reference, 0) == 0) return binding;
  return std::nullopt;
}

bool GrantTable::MayMount(const std::string& volume) const {
  std::lock_guard<std::mutex> lock(mutex_);
  if (auto it = pending_.find(volume);
      it != pending_.end() && it->second > std::chrono::steady_clock::now())
    return true;
  for (const auto& [id, binding] : containers_)
    if (binding.volumes.count(volume) != 0 || binding.config_volumes.count(volume) != 0)
      return true;
  return false;
}

std::set<std::string> GrantTable::Holders(const std::string& volume) const {
  std::lock_guard<std::mutex> lock(mutex_);
  std::set<std::string> holders;
  for (const auto& [id, binding] : containers_)
    if (binding.volumes.count(volume) != 0 || binding.config_volumes.count(volume) != 0)
      holders.insert(id);
  return holders;
}

}  // namespace bulkhead::secrets
