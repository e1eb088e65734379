#include "compute/families.h"

#include <algorithm>

namespace strata::compute {

Families::Families(const FamilyOptions& options)
    : all_{make_render_family(options.render), make_proof_family(options.proof), make_analytics_family(options.analytics)} {}

Family* Families::by_name(const std::string& name) const {
  for (const auto& f : all_) {
    if (f->name() == name) return f.get();
  }
  return nullptr;
}

Family* Families::by_kernel(const std::string& kernel) const {
  for (const auto& f : all_) {
    auto kernels = f->kernels();
    if (std::find(kernels.begin(), kernels.end(), kernel) != kernels.end()) return f.get();
  }
  return nullptr;
}

std::string Families::names() const {
  std::string out;
  for (const auto& f : all_) out += (out.empty() ? "" : ", ") + f->name();
  return out;
}

}  // namespace strata::compute
