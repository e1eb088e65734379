// The structs shared by host and kernels have the same layout on every device.
#include <gtest/gtest.h>

#include "host/render/kernel_types.h"
#include "tests/test_support.h"

namespace {

using namespace strata;

TEST(KernelLayout, EveryDeviceAgreesWithTheHost) {
  const uint32_t want[] = {sizeof(kt::BvhNode), sizeof(kt::Tri), sizeof(kt::TriShading), sizeof(kt::Material),
                           sizeof(kt::TexInfo), sizeof(kt::Light), sizeof(kt::RenderParams),
                           offsetof(kt::Light, intensity), offsetof(kt::Material, flags),
                           offsetof(kt::RenderParams, seed), offsetof(kt::RenderParams, rr_depth),
                           offsetof(kt::TriShading, light)};
  static_assert(sizeof(want) / sizeof(want[0]) == LAYOUT_PROBE_COUNT);
  for (const std::string& id : tests::test_device_ids()) {
    auto device = tests::open_or_die(id);
    ASSERT_TRUE(device);
    auto out = device->allocate(sizeof(want));
    ASSERT_TRUE(out.is_ok()) << out.status().to_string();
    KernelArg args[] = {KernelArg::of(**out)};
    ASSERT_TRUE(device->launch("layout_probe", {1, 1}, args).is_ok());
    ASSERT_TRUE(device->synchronize().is_ok());
    uint32_t got[LAYOUT_PROBE_COUNT] = {};
    ASSERT_TRUE(device->download(**out, got, sizeof got).is_ok());
    for (int i = 0; i < LAYOUT_PROBE_COUNT; ++i) EXPECT_EQ(got[i], want[i]) << id << " entry " << i;
  }
}

}  // namespace
