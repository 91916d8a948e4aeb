// GrantTable: which containers hold which secret volumes, the state the authorization side and
// the volume side share. A container create that passed the policy leaves a short-lived pending
// grant on its volumes (the daemon may mount them before the create returns, to copy image
// data); the create's response binds the volumes to the new container's ID; its removal drops
// the binding.
//
// Contract: MayMount() is true for a volume with a binding or an unexpired pending grant (a
// Mount without either is refused: no container passed the policy for it). Find() resolves a
// container reference the way the daemon does (full ID, name with or without '/', ID prefix),
// erring towards "protected" when a prefix is ambiguous. Bindings are saved to `state_path`
// (atomically, fsynced) on every change and loaded by the constructor; they hold no secret
// value. Thread-safe.
#pragma once

#include <chrono>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>

namespace bulkhead::secrets {

struct ContainerBinding {
  std::string id;
  std::string name;
  std::string image;
  std::set<std::string> volumes;  // secret volumes (config volumes are not recorded)
  std::set<std::string> config_volumes;
};

class GrantTable {
 public:
  explicit GrantTable(std::string state_path);

  void AddPending(const std::set<std::string>& volumes);
  void Bind(const ContainerBinding& binding);
  // Drops the binding of the container `reference` names; returns it.
  std::optional<ContainerBinding> Forget(const std::string& reference);
  std::optional<ContainerBinding> Find(const std::string& reference) const;
  // Drops a binding whose container had this exact name (a new container took the name, so
  // the old one is gone: auto-removed containers never send a DELETE).
  void ForgetName(const std::string& name);
  bool MayMount(const std::string& volume) const;
  // Containers bound to `volume`.
  std::set<std::string> Holders(const std::string& volume) const;

 private:
  std::optional<ContainerBinding> FindLocked(const std::string& reference) const;
  void Save() const;  // requires mutex_

  std::string state_path_;
  mutable std::mutex mutex_;
  std::map<std::string, ContainerBinding> containers_;                    // by full ID
  std::map<std::string, std::chrono::steady_clock::time_point> pending_;  // volume -> expiry
};

}  // namespace bulkhead::secrets
