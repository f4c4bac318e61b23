#include "crypto/age/bech32.h"

#include <cstdint>
#include <vector>

#include "absl/status/status.h"
#include "fmt/format.h"

namespace mend::crypto {
namespace {

constexpr std::string_view kBech32Charset = "qpzry9x8gf2tvdw0s3jn54khce6mua7l";

uint32_t Bech32Polymod(const std::vector<uint8_t>& values) {
  static constexpr uint32_t kGen[5] = {0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3};
  uint32_t chk = 1;
  for (uint8_t v : values) {
    uint8_t top = chk >> 25;
    chk = (chk & 0x1ffffff) << 5 ^ v;
    for (int i = 0; i < 5; ++i) {
      if ((top >> i) & 1) chk ^= kGen[i];
    }
  }
  return chk;
}

std::vector<uint8_t> HrpExpand(std::string_view hrp) {
  std::vector<uint8_t> out;
  for (char c : hrp) out.push_back(static_cast<uint8_t>(c) >> 5);
  out.push_back(0);
  for (char c : hrp) out.push_back(static_cast<uint8_t>(c) & 31);
  return out;
}

// Regroups bits; `pad` adds zero bits at the end (encode), otherwise padding must be zero and
// short.
bool ConvertBits(const std::vector<uint8_t>& in, int from, int to, bool pad,
                 std::vector<uint8_t>* out) {
  uint32_t acc = 0;
  int bits = 0;
  const uint32_t maxv = (1u << to) - 1;
  for (uint8_t v : in) {
    if (v >> from) return false;
    acc = acc << from | v;
    bits += from;
    while (bits >= to) {
      bits -= to;
      out->push_back(static_cast<uint8_t>((acc >> bits) & maxv));
    }
  }
  if (pad) {
    if (bits > 0) out->push_back(static_cast<uint8_t>((acc << (to - bits)) & maxv));
  } else if (bits >= from || ((acc << (to - bits)) & maxv) != 0) {
    return false;
  }
  return true;
}

}  // namespace

std::string Bech32Encode(std::string_view hrp, std::string_view data) {
  std::vector<uint8_t> bytes(data.begin(), data.end()), values;
  ConvertBits(bytes, 8, 5, true, &values);
  std::vector<uint8_t> check = HrpExpand(hrp);
  check.insert(check.end(), values.begin(), values.end());
  check.insert(check.end(), 6, 0);
  uint32_t mod = Bech32Polymod(check) ^ 1;
  std::string out(hrp);
  out.push_back('1');
  for (uint8_t v : values) out.push_back(kBech32Charset[v]);
  for (int i = 0; i < 6; ++i) out.push_back(kBech32Charset[(mod >> (5 * (5 - i))) & 31]);
  return out;
}

absl::StatusOr<Bytes> Bech32Decode(std::string_view text, std::string_view expected_hrp) {
  bool lower = false, upper = false;
  for (char c : text) {
    if (c < 33 || c > 126) return absl::InvalidArgumentError("bech32: invalid character");
    lower |= (c >= 'a' && c <= 'z');
    upper |= (c >= 'A' && c <= 'Z');
  }
  if (lower && upper) return absl::InvalidArgumentError("bech32: mixed case");
  std::string s(text);
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  size_t sep = s.rfind('1');
  if (sep == std::string::npos || sep == 0 || sep + 7 > s.size()) {
    return absl::InvalidArgumentError("bech32: missing separator or checksum");
  }
  std::string hrp = s.substr(0, sep);
  if (hrp != expected_hrp)
    return absl::InvalidArgumentError(fmt::format("bech32: expected prefix {}", expected_hrp));
  std::vector<uint8_t> values;
  for (size_t i = sep + 1; i < s.size(); ++i) {
    size_t v = kBech32Charset.find(s[i]);
    if (v == std::string_view::npos) return absl::InvalidArgumentError("bech32: invalid character");
    values.push_back(static_cast<uint8_t>(v));
  }
  std::vector<uint8_t> check = HrpExpand(hrp);
  check.insert(check.end(), values.begin(), values.end());
  if (Bech32Polymod(check) != 1)
    return absl::InvalidArgumentError("bech32: checksum mismatch (a typo?)");
  values.resize(values.size() - 6);
  std::vector<uint8_t> bytes;
  if (!ConvertBits(values, 5, 8, false, &bytes))
    return absl::InvalidArgumentError("bech32: bad padding");
  return Bytes(bytes.begin(), bytes.end());
}

}  // namespace mend::crypto
