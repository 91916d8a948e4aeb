// RbdVolumeDriver against the real test Ceph cluster (tests/env/up.sh) and the real mapping path
// of this host (rbd-fuse + loop here; krbd/nbd where the kernel has them). Runs as root.
#include <gtest/gtest.h>
#include <rbd/librbd.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <random>

#include "common/ceph_cluster.h"
#include "common/process.h"
#include "plugins/rbd/block_device.h"
#include "plugins/rbd/rbd_image.h"
#include "plugins/rbd/rbd_volume_driver.h"

namespace bulkhead::rbd {
namespace {

std::string RandomSuffix() {
  std::random_device random;
  return std::to_string(random() % 1000000);
}

ConfigSection CephSettings() {
  return LoadConfigSection(nlohmann::json::object(), "ceph", CephSettingsSchema(),
                           ProcessEnvironment());
}

// One simulated host: its own driver, Ceph client, host id, mount root and state dir.
struct TestHost {
  TestHost(const std::string& host_id, bool takeover) {
    Configure(host_id, takeover);
    Start();
  }
  void Configure(const std::string& host_id, bool takeover) {
    root =
        std::filesystem::temp_directory_path() / ("bulkhead-rbd-" + host_id + "-" + RandomSuffix());
    settings.pool = "rbd";
    settings.default_size = 64ULL << 20;
    settings.default_fstype = "ext4";
    settings.default_features = "layering";
    settings.mapper = "auto";
    settings.mount_root = (root / "mnt").string();
    settings.state_dir = (root / "state").string();
    settings.host_id = host_id;
    settings.remove_policy = "trash";
    settings.takeover = takeover;
    std::filesystem::create_directories(settings.state_dir);
  }
  // Starts the plugin process's state: a new Ceph client (new address) and driver.
  void Start() {
    const ConfigSection ceph = CephSettings();
    cluster = CephCluster::Connect(ceph);
    driver = std::make_unique<RbdVolumeDriver>(
        cluster, settings,
        MakeMapper("auto", CephToolArgsFor(ceph, settings.state_dir), settings.state_dir));
  }
  // A crash and restart: the driver and its Ceph client vanish without releasing anything, then a
  // new process recovers from the state directory.
  void CrashAndRestart() {
    driver.reset();
    cluster.reset();
    Start();
    driver->Recover();
  }
  ~TestHost() {
    driver.reset();
    std::error_code ignored;  // a failed test may leave a mount behind; it names the failure
    std::filesystem::remove_all(root, ignored);
  }
  std::filesystem::path root;
  RbdSettings settings;
  std::shared_ptr<CephCluster> cluster;
  std::unique_ptr<RbdVolumeDriver> driver;
};

class RbdDriverTest : public ::testing::Test {
 protected:
  void SetUp() override {
    host_a_ = std::make_unique<TestHost>("host-a", false);
    // An observer with its own client: recovery fences the clients of "crashed" hosts.
    pool_ = CephCluster::Connect(CephSettings())->OpenPool("rbd");
    volume_ = "itest-" + RandomSuffix();
  }

  RbdVolumeDriver& a() { return *host_a_->driver; }

  std::vector<ImageLocker> Lockers(const std::string& image) {
    RbdImage handle(*pool_, image, true);
    return handle.Lockers();
  }
  std::vector<std::string> Watchers(const std::string& image) {
    RbdImage handle(*pool_, image, true);
    return handle.WatcherAddresses();
  }
  // Maps the volume's image on its own and runs a read-only fsck; true when clean.
  bool FsckClean(const std::string& image) {
    const ConfigSection ceph = CephSettings();
    auto mapper = MakeMapper("auto", CephToolArgsFor(ceph, host_a_->settings.state_dir),
                             host_a_->settings.state_dir);
    const ImageRef ref{"rbd", "", image};
    const std::string device = mapper->Map(ref, true);
    const ProcessResult fsck = RunProcess({"e2fsck", "-fn", device});
    mapper->Unmap(ref, device);
    if (fsck.exit_code != 0) ADD_FAILURE() << fsck.out << fsck.err;
    return fsck.exit_code == 0;
  }

  std::unique_ptr<TestHost> host_a_;
  std::unique_ptr<PoolContext> pool_;
  std::string volume_;
};

TEST_F(RbdDriverTest, CreateIsIdempotentAndKeepsSettingsInImageMetadata) {
  a().Create(volume_, {{"size", "80M"}, {"mount-options", "noatime"}});
  a().Create(volume_, {});  // a retried Create
  RbdImage image(*pool_, volume_, true);
  EXPECT_EQ(image.Size(), 80ULL << 20);
  EXPECT_EQ(image.Metadata("bulkhead.fstype"), "ext4");
  EXPECT_EQ(image.Metadata("bulkhead.mount_options"), "noatime");
  const auto info = a().Get(volume_);
  ASSERT_TRUE(info);
  EXPECT_EQ(info->status["size"], 80ULL << 20);
  EXPECT_FALSE(info->created_at.empty());
  bool listed = false;
  for (const auto& volume : a().List()) listed = listed || volume.name == volume_;
  EXPECT_TRUE(listed);
  EXPECT_FALSE(a().Get("no-such-volume-" + volume_));
}

TEST_F(RbdDriverTest, BadOptionsAreRefusedBeforeAnythingIsCreated) {
  EXPECT_THROW(a().Create(volume_, {{"sise", "1G"}}), BadRequest);
  EXPECT_THROW(a().Create(volume_, {{"size", "lots"}}), BadRequest);
  EXPECT_THROW(a().Create(volume_, {{"features", "teleport"}}), BadRequest);
  EXPECT_THROW(a().Create("bad/name", {}), BadRequest);
  EXPECT_THROW(a().Create(volume_, {{"features", "layering,exclusive-lock"}}), BadRequest);
  EXPECT_FALSE(ImageExists(*pool_, volume_));
  EXPECT_FALSE(a().Get(volume_));
}

TEST_F(RbdDriverTest, AdoptingAnImageWithExclusiveLockIsRefusedNotHung) {
  // `rbd create` defaults include exclusive-lock, whose managed lock would make writes wait on
  // Bulkhead's advisory lock forever.
  rbd_image_options_t options = nullptr;
  rbd_image_options_create(&options);
  rbd_image_options_set_uint64(options, RBD_IMAGE_OPTION_FEATURES,
                               RBD_FEATURE_LAYERING | RBD_FEATURE_EXCLUSIVE_LOCK);
  ASSERT_EQ(rbd_create4(pool_->get(), volume_.c_str(), 64ULL << 20, options), 0);
  rbd_image_options_destroy(options);
  try {
    a().Create(volume_, {});
    FAIL() << "adopted an image with exclusive-lock";
  } catch (const BadRequest& e) {
    EXPECT_NE(std::string(e.what()).find("rbd feature disable"), std::string::npos) << e.what();
  }
  EXPECT_FALSE(a().Get(volume_));
  ASSERT_EQ(rbd_remove(pool_->get(), volume_.c_str()), 0);
}

TEST_F(RbdDriverTest, MountsAreCountedAndTheLastUnmountReleasesEverything) {
  a().Create(volume_, {});
  const std::string path = a().Mount(volume_, "id-1");
  EXPECT_EQ(a().Mount(volume_, "id-2"), path);
  EXPECT_EQ(a().Mount(volume_, "id-1"), path);  // docker cp re-mounts with the same ID
  std::ofstream(path + "/data") << "row 1\n";
  EXPECT_EQ(Lockers(volume_).at(0).cookie, "bulkhead host=host-a");
  a().Unmount(volume_, "unknown-id");
  a().Unmount(volume_, "id-1");
  a().Unmount(volume_, "id-2");
  EXPECT_FALSE(MountedDevice(path).empty()) << "released while id-1 still held it";
  a().Unmount(volume_, "id-1");
  EXPECT_TRUE(MountedDevice(path).empty());
  EXPECT_TRUE(Lockers(volume_).empty());
  EXPECT_TRUE(Watchers(volume_).empty());
  EXPECT_EQ(a().Path(volume_), "");
  EXPECT_TRUE(FsckClean(volume_));
}

TEST_F(RbdDriverTest, SecondHostIsRefusedWhileTheFirstHoldsItThenReadsTheData) {
  TestHost host_b("host-b", true);
  a().Create(volume_, {});
  std::ofstream(a().Mount(volume_, "a1") + "/table") << "committed\n";
  try {
    host_b.driver->Mount(volume_, "b1");
    FAIL() << "host-b mounted a volume host-a holds";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("in use by host host-a"), std::string::npos) << e.what();
  }
  a().Unmount(volume_, "a1");
  const std::string path_b = host_b.driver->Mount(volume_, "b1");
  std::string line;
  std::getline(std::ifstream(path_b + "/table"), line);
  EXPECT_EQ(line, "committed");
  EXPECT_EQ(Lockers(volume_).at(0).cookie, "bulkhead host=host-b");
  host_b.driver->Unmount(volume_, "b1");
  EXPECT_TRUE(FsckClean(volume_));
}

TEST_F(RbdDriverTest, DeadHolderIsFencedOnlyWhenTakeoverIsAllowed) {
  a().Create(volume_, {});
  std::string ghost_address;
  {  // A host that locked the volume and died: its lock stays, its watch is gone.
    auto ghost = CephCluster::Connect(CephSettings());
    auto pool = ghost->OpenPool("rbd");
    RbdImage image(*pool, volume_);
    image.LockExclusive("bulkhead host=ghost");
    ghost_address = image.Lockers().at(0).address;
  }
  try {
    a().Mount(volume_, "a1");
    FAIL() << "took over without takeover allowed";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("locked by host ghost"), std::string::npos) << e.what();
  }
  EXPECT_EQ(Lockers(volume_).at(0).cookie, "bulkhead host=ghost");

  TestHost host_b("host-b", /*takeover=*/true);
  host_b.driver->Mount(volume_, "b1");
  EXPECT_EQ(Lockers(volume_).at(0).cookie, "bulkhead host=host-b");
  const std::string blocklist =
      host_b.cluster->MonCommand(R"({"prefix":"osd blocklist ls","format":"json"})");
  EXPECT_NE(blocklist.find(ghost_address), std::string::npos) << blocklist;
  host_b.driver->Unmount(volume_, "b1");
}

TEST_F(RbdDriverTest, FailedMkfsRollsBackMappingAndLock) {
  a().Create(volume_, {{"mkfs-options", "-E no_such_extended_option"}});
  EXPECT_THROW(a().Mount(volume_, "a1"), std::runtime_error);
  EXPECT_TRUE(Lockers(volume_).empty());
  EXPECT_TRUE(Watchers(volume_).empty());
  EXPECT_TRUE(MountedDevice(host_a_->settings.mount_root + "/" + volume_).empty());
  EXPECT_EQ(a().Path(volume_), "");
}

TEST_F(RbdDriverTest, RemoveRefusesWhileMountedThenMovesTheImageToTrash) {
  a().Create(volume_, {});
  a().Mount(volume_, "a1");
  EXPECT_THROW(a().Remove(volume_), std::runtime_error);
  a().Unmount(volume_, "a1");
  a().Remove(volume_);
  EXPECT_FALSE(a().Get(volume_));
  EXPECT_FALSE(ImageExists(*pool_, volume_));
  size_t count = 64;
  std::vector<rbd_trash_image_info_t> trash(count);
  ASSERT_GE(rbd_trash_list(pool_->get(), trash.data(), &count), 0);
  bool in_trash = false;
  for (size_t i = 0; i < count; ++i) in_trash = in_trash || volume_ == trash[i].name;
  rbd_trash_list_cleanup(trash.data(), count);
  EXPECT_TRUE(in_trash);
  a().Remove(volume_);  // removing again is a no-op
}

TEST_F(RbdDriverTest, ResizeGrowsTheFilesystemOnTheNextMount) {
  a().Create(volume_, {{"size", "64M"}});
  a().Unmount(volume_, "none");
  a().Mount(volume_, "a1");
  a().Unmount(volume_, "a1");
  a().Resize(volume_, 128ULL << 20);
  const std::string path = a().Mount(volume_, "a2");
  const std::string df = RunChecked({"df", "-B1", "--output=size", path});
  const uint64_t bytes = std::stoull(df.substr(df.find('\n') + 1));
  EXPECT_GT(bytes, 100ULL << 20) << df;
  a().Unmount(volume_, "a2");
  EXPECT_THROW(a().Resize(volume_, 32ULL << 20), BadRequest);
}

TEST_F(RbdDriverTest, XfsCloneAndReadOnlyVolumes) {
  a().Create(volume_, {{"size", "320M"}, {"fstype", "xfs"}, {"mount-options", "noatime"}});
  const std::string path = a().Mount(volume_, "a1");
  EXPECT_NE(RunChecked({"findmnt", "-no", "FSTYPE,OPTIONS", path}).find("xfs"), std::string::npos);
  std::ofstream(path + "/golden") << "v1\n";
  a().Unmount(volume_, "a1");
  {
    RbdImage image(*pool_, volume_);
    ASSERT_EQ(rbd_snap_create(image.get(), "gold"), 0);
    ASSERT_EQ(rbd_snap_protect(image.get(), "gold"), 0);
  }
  const std::string clone = volume_ + "-clone";
  a().Create(clone,
             {{"from", "rbd/" + volume_ + "@gold"}, {"fstype", "xfs"}, {"readonly", "true"}});
  const std::string clone_path = a().Mount(clone, "c1");
  std::string line;
  std::getline(std::ifstream(clone_path + "/golden"), line);
  EXPECT_EQ(line, "v1") << "the clone does not carry its parent's data";
  EXPECT_FALSE(std::ofstream(clone_path + "/new").good()) << "a readonly volume accepted a write";
  a().Unmount(clone, "c1");
  a().Remove(clone);
}

TEST_F(RbdDriverTest, RestartedPluginRecoversMountsAndTheNextUnmountReleasesAll) {
  a().Create(volume_, {});
  const std::string path = a().Mount(volume_, "container-1");
  a().Mount(volume_, "container-2");
  const std::string old_address = Lockers(volume_).at(0).address;
  host_a_->CrashAndRestart();
  EXPECT_EQ(a().Path(volume_), path);
  const auto lockers = Lockers(volume_);
  ASSERT_EQ(lockers.size(), 1U);
  EXPECT_EQ(lockers[0].cookie, "bulkhead host=host-a");
  EXPECT_NE(lockers[0].address, old_address) << "the lock still belongs to the dead process";
  std::ofstream(path + "/after-restart") << "still writable\n";
  a().Unmount(volume_, "container-1");
  EXPECT_FALSE(MountedDevice(path).empty());
  a().Unmount(volume_, "container-2");
  EXPECT_TRUE(MountedDevice(path).empty());
  EXPECT_TRUE(Lockers(volume_).empty());
  EXPECT_TRUE(Watchers(volume_).empty());
  EXPECT_TRUE(FsckClean(volume_));
}

TEST_F(RbdDriverTest, RestartAfterTheMountVanishedCleansUpTheRest) {
  a().Create(volume_, {});
  const std::string path = a().Mount(volume_, "container-1");
  UnmountFilesystem(path);  // e.g. an operator's umount while the plugin was down
  host_a_->CrashAndRestart();
  EXPECT_EQ(a().Path(volume_), "");
  EXPECT_TRUE(Lockers(volume_).empty());
  EXPECT_TRUE(Watchers(volume_).empty());
  a().Unmount(volume_, "container-1");  // dockerd's late Unmount is harmless
  TestHost host_b("host-b", false);
  host_b.driver->Mount(volume_, "b1");  // the volume is free for another host
  host_b.driver->Unmount(volume_, "b1");
}

TEST_F(RbdDriverTest, LostMountRegistryIsRebuiltFromMountinfo) {
  a().Create(volume_, {});
  const std::string path = a().Mount(volume_, "container-1");
  std::filesystem::remove(host_a_->settings.state_dir + "/mounts.json");
  host_a_->CrashAndRestart();
  EXPECT_EQ(a().Path(volume_), path) << "the mount under mount_root was not adopted";
  ASSERT_EQ(Lockers(volume_).size(), 1U);
  EXPECT_EQ(Lockers(volume_)[0].cookie, "bulkhead host=host-a");
  // The container's mount ID is gone with the registry: its Unmount releases the one user.
  a().Unmount(volume_, "container-1");
  EXPECT_TRUE(MountedDevice(path).empty());
  EXPECT_TRUE(Lockers(volume_).empty());
  EXPECT_TRUE(FsckClean(volume_));
}

TEST_F(RbdDriverTest, StartReleasesThisHostsStrayLocksOnly) {
  const std::string other = volume_ + "-other";
  a().Create(volume_, {});
  a().Create(other, {});
  {  // Earlier processes on this host and on host-z locked the volumes, then died.
    auto ghost = CephCluster::Connect(CephSettings());
    auto pool = ghost->OpenPool("rbd");
    RbdImage(*pool, volume_).LockExclusive("bulkhead host=host-a");
    RbdImage(*pool, other).LockExclusive("bulkhead host=host-z");
  }
  host_a_->CrashAndRestart();
  EXPECT_TRUE(Lockers(volume_).empty()) << "this host's stray lock survived the restart";
  ASSERT_EQ(Lockers(other).size(), 1U);
  EXPECT_EQ(Lockers(other)[0].cookie, "bulkhead host=host-z") << "another host's lock was touched";
  TestHost host_z("host-z", /*takeover=*/true);
  host_z.driver->Mount(other, "z1");  // clears host-z's lock for the cleanup below
  host_z.driver->Unmount(other, "z1");
  a().Remove(other);
}

TEST_F(RbdDriverTest, PlacementOptionsObjectSizeDataPoolPoolAndNamespace) {
  const std::string data_pool = "bulkhead-itest-data";
  host_a_->cluster->MonCommand(
      nlohmann::json{{"prefix", "osd pool create"}, {"pool", data_pool}, {"pg_num", 8}}.dump());
  host_a_->cluster->MonCommand(nlohmann::json{
      {"prefix", "osd pool application enable"},
      {"pool", data_pool},
      {"app", "rbd"}}.dump());
  a().Create(volume_, {{"object-size", "1M"}, {"data-pool", data_pool}});
  {
    RbdImage image(*pool_, volume_, true);
    rbd_image_info_t info{};
    ASSERT_EQ(rbd_stat(image.get(), &info, sizeof(info)), 0);
    EXPECT_EQ(info.obj_size, 1U << 20);
    const int64_t expected =
        rados_pool_lookup(rados_ioctx_get_cluster(pool_->get()), data_pool.c_str());
    EXPECT_EQ(rbd_get_data_pool_id(image.get()), expected);
  }
  std::ofstream(a().Mount(volume_, "a1") + "/data") << "in the data pool\n";
  a().Unmount(volume_, "a1");

  const std::string elsewhere = volume_ + "-elsewhere";
  a().Create(elsewhere, {{"pool", data_pool}, {"order", "22"}});
  auto other_pool = host_a_->cluster->OpenPool(data_pool);
  EXPECT_TRUE(ImageExists(*other_pool, elsewhere));
  EXPECT_FALSE(ImageExists(*pool_, elsewhere));
  const auto info = a().Get(elsewhere);
  ASSERT_TRUE(info);
  EXPECT_EQ(info->status["image"], data_pool + "/" + elsewhere);

  const std::string in_namespace = volume_ + "-ns";
  const int created = rbd_namespace_create(pool_->get(), "itest-team");
  ASSERT_TRUE(created == 0 || created == -EEXIST) << created;
  a().Create(in_namespace, {{"namespace", "itest-team"}});
  auto team_pool = host_a_->cluster->OpenPool("rbd", "itest-team");
  EXPECT_TRUE(ImageExists(*team_pool, in_namespace));
  EXPECT_FALSE(ImageExists(*pool_, in_namespace));
  if (!std::filesystem::exists("/sys/bus/rbd")) {  // "auto" picks fuse here
    try {  // rbd-fuse cannot reach namespaces: a clear refusal, nothing left locked
      a().Mount(in_namespace, "n1");
      FAIL() << "the fuse mapper mounted an image in a namespace";
    } catch (const std::runtime_error& e) {
      EXPECT_NE(std::string(e.what()).find("namespaces"), std::string::npos) << e.what();
    }
    RbdImage image(*team_pool, in_namespace, true);
    EXPECT_TRUE(image.Lockers().empty());
  }
  for (const auto& name : {volume_, elsewhere, in_namespace}) a().Remove(name);
}

TEST_F(RbdDriverTest, KeepPolicyForgetsTheVolumeButKeepsTheImage) {
  TestHost keeper("host-keep", false);
  keeper.settings.remove_policy = "keep";
  keeper.Start();
  keeper.driver->Create(volume_, {});
  std::ofstream(keeper.driver->Mount(volume_, "k1") + "/kept") << "kept\n";
  keeper.driver->Unmount(volume_, "k1");
  keeper.driver->Remove(volume_);
  EXPECT_FALSE(keeper.driver->Get(volume_));
  EXPECT_TRUE(ImageExists(*pool_, volume_));
  keeper.driver->Create(volume_, {});  // adopts the kept image, data and all
  std::string line;
  std::getline(std::ifstream(keeper.driver->Mount(volume_, "k2") + "/kept"), line);
  EXPECT_EQ(line, "kept");
  keeper.driver->Unmount(volume_, "k2");
  a().Remove(volume_);
}

}  // namespace
}  // namespace bulkhead::rbd
