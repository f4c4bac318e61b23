#include "crypto/safety_number.h"

#include "crypto/hash.h"
#include "fmt/format.h"

namespace mend::crypto {
namespace {

constexpr int kIterations = 5200;
constexpr std::string_view kVersion("\x00\x00", 2);

uint64_t ReadU40(std::string_view in) {
  uint64_t v = 0;
  for (int i = 0; i < 5; ++i) v = v << 8 | static_cast<unsigned char>(in[i]);
  return v;
}

}  // namespace

std::string SafetyNumberHalf(const PublicIdentity& member) {
  Bytes f = Bytes(kVersion) + member.sign_pk + member.box_pk;
  for (int i = 0; i < kIterations; ++i) f = Blake2b(64, {f, member.sign_pk});
  std::string digits;
  for (int chunk = 0; chunk < 6; ++chunk) {
    digits += fmt::format("{:05}", ReadU40(std::string_view(f).substr(chunk * 5, 5)) % 100000);
  }
  return digits;
}

std::string SafetyNumber(const PublicIdentity& a, const PublicIdentity& b) {
  std::string x = SafetyNumberHalf(a), y = SafetyNumberHalf(b);
  std::string joined = x < y ? x + y : y + x;
  std::string out;
  for (size_t i = 0; i < joined.size(); i += 5) {
    if (i != 0) out.push_back(' ');
    out.append(joined, i, 5);
  }
  return out;
}

std::string ChainCode(uint64_t seq, std::string_view head_hash) {
  // Two 40-bit halves, each reduced to ten digits: 20 digits, about 66 bits,
  // so that two different histories sharing a code is no practical worry.
  uint64_t a = head_hash.size() >= 10 ? ReadU40(head_hash) % 10000000000ULL : 0;
  uint64_t b = head_hash.size() >= 10 ? ReadU40(head_hash.substr(5)) % 10000000000ULL : 0;
  return fmt::format("{}:{:05}-{:05}-{:05}-{:05}", seq, a / 100000, a % 100000, b / 100000,
                     b % 100000);
}

}  // namespace mend::crypto
