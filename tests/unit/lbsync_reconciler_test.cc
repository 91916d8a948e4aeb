#include <gtest/gtest.h>

#include "plugins/lbsync/reconciler.h"

namespace bulkhead::lbsync {
namespace {

using namespace std::chrono_literals;

// Test fake: a load balancer held in memory, recording the calls made to it.
class InMemoryTarget : public LoadBalancerTarget {
 public:
  std::string description() const override { return "in-memory"; }
  std::vector<PoolMember> Members(const std::string& pool) override {
    std::vector<PoolMember> members;
    for (const auto& [key, draining] : pools[pool]) members.push_back({key, draining});
    return members;
  }
  void Add(const std::string& pool, const Endpoint& endpoint) override {
    calls.push_back("add " + endpoint.key());
    pools[pool][endpoint.key()] = false;
  }
  void Enable(const std::string& pool, const std::string& key) override {
    calls.push_back("enable " + key);
    pools[pool][key] = false;
  }
  void Drain(const std::string& pool, const std::string& key) override {
    calls.push_back("drain " + key);
    pools[pool][key] = true;
  }
  void Remove(const std::string& pool, const std::string& key) override {
    calls.push_back("remove " + key);
    pools[pool].erase(key);
  }
  std::map<std::string, std::map<std::string, bool>> pools;  // pool -> key -> draining
  std::vector<std::string> calls;
};

Endpoint Web(const std::string& id, int port, bool healthy = true,
             const std::string& pool = "web") {
  return Endpoint{id, id, "c-" + id, pool, "127.0.0.1", port, healthy};
}

class ReconcilerTest : public ::testing::Test {
 protected:
  ReconcilerTest() : reconciler_(target_, {{"web"}, 10, 3, 60, 30}) {}
  InMemoryTarget target_;
  Reconciler reconciler_;
  Reconciler::Clock::time_point t0_ = Reconciler::Clock::now();
};

TEST_F(ReconcilerTest, AddsOnlyHealthyEndpointsOfManagedPools) {
  reconciler_.Replace({Web("a", 8080), Web("b", 8081, false), Web("c", 8082, true, "other")});
  reconciler_.Pass(t0_);
  EXPECT_EQ(target_.calls, std::vector<std::string>{"add 127.0.0.1:8080"});
  reconciler_.Update("b", {Web("b", 8081, true)});
  reconciler_.Pass(t0_ + 1s);
  EXPECT_EQ(target_.pools["web"].size(), 2u);
  EXPECT_EQ(reconciler_.counters().added, 2u);
}

TEST_F(ReconcilerTest, DrainsBeforeRemovingAndReEnablesAReturningMember) {
  reconciler_.Replace({Web("a", 8080), Web("b", 8081)});
  reconciler_.Pass(t0_);
  reconciler_.Update("a", {});
  reconciler_.Pass(t0_ + 1s);
  EXPECT_TRUE(target_.pools["web"].at("127.0.0.1:8080"));  // draining, still there
  reconciler_.Pass(t0_ + 5s);
  EXPECT_EQ(target_.pools["web"].count("127.0.0.1:8080"), 1u);
  reconciler_.Pass(t0_ + 12s);
  EXPECT_EQ(target_.pools["web"].count("127.0.0.1:8080"), 0u);
  reconciler_.Update("b", {});
  reconciler_.Pass(t0_ + 13s);
  reconciler_.Update("b", {Web("b", 8081)});
  reconciler_.Pass(t0_ + 14s);
  EXPECT_FALSE(target_.pools["web"].at("127.0.0.1:8081"));
  EXPECT_EQ(target_.calls.back(), "enable 127.0.0.1:8081");
}

TEST_F(ReconcilerTest, NothingIsRemovedWhileTheSourceIsUnreachable) {
  reconciler_.Replace({Web("a", 8080)});
  reconciler_.Pass(t0_);
  reconciler_.SourceLost();
  reconciler_.Update("a", {});  // whatever arrives, the view is not trusted
  reconciler_.Pass(t0_ + 20s);
  reconciler_.Pass(t0_ + 40s);
  EXPECT_FALSE(target_.pools["web"].at("127.0.0.1:8080"));
  reconciler_.Replace({});
  reconciler_.Pass(t0_ + 41s);
  EXPECT_TRUE(target_.pools["web"].at("127.0.0.1:8080"));
}

TEST_F(ReconcilerTest, AFlappingMemberIsHeldOutUntilStable) {
  auto at = t0_;
  reconciler_.Replace({});
  for (int i = 0; i < 4; ++i) {
    reconciler_.Update("a", {Web("a", 8080, i % 2 == 0)});
    reconciler_.Pass(at += 1s);
  }
  EXPECT_EQ(reconciler_.counters().damped, 1u);
  reconciler_.Update("a", {Web("a", 8080, true)});
  reconciler_.Pass(at += 1s);
  EXPECT_TRUE(target_.pools["web"].at("127.0.0.1:8080"));  // healthy, but held out
  reconciler_.Pass(at += 31s);
  EXPECT_FALSE(target_.pools["web"].at("127.0.0.1:8080"));
}

}  // namespace
}  // namespace bulkhead::lbsync
