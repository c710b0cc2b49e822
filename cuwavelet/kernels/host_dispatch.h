// Host glue only: from a runtime mode number to the kernel template
// instantiated for it, in one place for every host extension.
#pragma once

#include <stdexcept>
#include <type_traits>

#include "dwt_math.cuh"

namespace cuwavelet {

template <int M>
using ModeTag = std::integral_constant<int, M>;

// f(ModeTag<M>()) for the mode number `mode` (one instantiation of f per mode).
template <class F>
auto with_mode(int mode, F&& f) {
  switch (mode) {
    case kZero: return f(ModeTag<kZero>());
    case kConstant: return f(ModeTag<kConstant>());
    case kSymmetric: return f(ModeTag<kSymmetric>());
    case kPeriodic: return f(ModeTag<kPeriodic>());
    case kSmooth: return f(ModeTag<kSmooth>());
    case kPeriodization: return f(ModeTag<kPeriodization>());
    case kReflect: return f(ModeTag<kReflect>());
    case kAntisymmetric: return f(ModeTag<kAntisymmetric>());
    case kAntireflect: return f(ModeTag<kAntireflect>());
  }
  throw std::invalid_argument("unknown mode number");
}

}  // namespace cuwavelet
