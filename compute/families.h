// The families this node knows, where their pieces meet: by name for the requestor's jobs, by
// kernel for the provider's tasks.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "compute/family.h"
#include "compute/analytics/family.h"
#include "compute/proof/family.h"
#include "compute/render/family.h"

namespace strata::compute {

struct FamilyOptions {
  RenderFamilyOptions render;
  ProofFamilyOptions proof;
  AnalyticsFamilyOptions analytics;
};

class Families {
 public:
  explicit Families(const FamilyOptions& options = {});
  Families(const Families&) = delete;
  Families& operator=(const Families&) = delete;

  // Null when unknown.
  Family* by_name(const std::string& name) const;
  Family* by_kernel(const std::string& kernel) const;
  const std::vector<std::shared_ptr<Family>>& all() const { return all_; }
  // "render, proof, analytics": for errors that list what is known.
  std::string names() const;

 private:
  std::vector<std::shared_ptr<Family>> all_;
};

}  // namespace strata::compute
