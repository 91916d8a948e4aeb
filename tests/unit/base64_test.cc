#include "common/base64.h"

#include <gtest/gtest.h>

namespace bulkhead {
namespace {

TEST(Base64, RoundTripsEveryLengthAndByte) {
  std::string all;
  for (int i = 0; i < 256; ++i) all += static_cast<char>(i);
  for (size_t length = 0; length <= all.size(); length += 1) {
    const std::string bytes = all.substr(0, length);
    EXPECT_EQ(Base64Decode(Base64Encode(bytes)), bytes) << length;
  }
}

TEST(Base64, MatchesRfc4648Vectors) {
  EXPECT_EQ(Base64Encode("foobar"), "Zm9vYmFy");
  EXPECT_EQ(Base64Encode("fooba"), "Zm9vYmE=");
  EXPECT_EQ(Base64Encode("foob"), "Zm9vYg==");
  EXPECT_EQ(Base64Decode("Zm9vYg=="), "foob");
  EXPECT_EQ(Base64Decode("Zm9v\r\nYmFy"), "foobar");
}

TEST(Base64, RejectsWhatGoRejects) {
  EXPECT_THROW(Base64Decode("Zm9vYg"), std::invalid_argument);    // missing padding
  EXPECT_THROW(Base64Decode("Zm9v!mFy"), std::invalid_argument);  // bad character
  EXPECT_THROW(Base64Decode("Zm==Zm9v"), std::invalid_argument);  // data after padding
  EXPECT_THROW(Base64Decode("=Zm9"), std::invalid_argument);      // misplaced padding
  EXPECT_THROW(Base64Decode("Zm9vY=g="), std::invalid_argument);
}

}  // namespace
}  // namespace bulkhead
