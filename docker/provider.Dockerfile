# The Strata provider image: `strata node` on NVIDIA's CUDA runtime image, offering the container's
# GPUs (CUDA, and OpenCL through NVIDIA's ICD) for render work. Build from the repository root:
#
#   docker build -f docker/provider.Dockerfile -t strata-provider .
#   docker run --gpus all -v strata-data:/data -p 7700:7700 strata-provider --bootstrap HOST:7700
#
# Arguments after the image name are added to `strata node --data /data --listen 0.0.0.0:7700
# --provide`; by default it offers the best device (--device auto). A rig of several GPUs whose
# devices should share each subtask (summed with NCCL, which the runtime image carries):
#
#   docker run --gpus all ... strata-provider --provide --device cuda:0,cuda:1 --share-samples --bootstrap HOST:7700
ARG CUDA_VERSION=13.0.0
ARG UBUNTU=ubuntu24.04

FROM nvidia/cuda:${CUDA_VERSION}-devel-${UBUNTU} AS build
WORKDIR /src
# Dependencies first, so the layer is reused while only the sources change.
COPY scripts/setup.sh scripts/setup.sh
RUN apt-get update -qq && scripts/setup.sh && rm -rf /var/lib/apt/lists/*
COPY . .
RUN cmake -S . -B /build -G Ninja -DCMAKE_BUILD_TYPE=Release -DSTRATA_TESTS=OFF -DSTRATA_BENCH=OFF \
 && cmake --build /build --target strata
# The binary, the demo scene where the binary expects it, and the shared libraries it needs that
# the runtime image lacks (everything but the C/C++ runtime and CUDA's own).
RUN mkdir -p /opt/strata/lib \
 && cp /build/cli/strata /opt/strata/ \
 && ldd /build/cli/strata | awk '/=> \// {print $3}' \
    | grep -vE '/(libc|libm|libstdc\+\+|libgcc_s|libdl|libpthread|librt|ld-linux[^/]*|libcudart)\.so' \
    | xargs -r -I{} cp -L {} /opt/strata/lib/

FROM nvidia/cuda:${CUDA_VERSION}-runtime-${UBUNTU}
COPY --from=build /opt/strata /opt/strata
COPY --from=build /src/scenes /src/scenes
# OpenCL finds NVIDIA's driver (mounted by the NVIDIA container toolkit) through this ICD file.
RUN mkdir -p /etc/OpenCL/vendors && echo libnvidia-opencl.so.1 > /etc/OpenCL/vendors/nvidia.icd
ENV LD_LIBRARY_PATH=/opt/strata/lib:/usr/local/nvidia/lib:/usr/local/nvidia/lib64
ENV NVIDIA_DRIVER_CAPABILITIES=compute,utility
VOLUME /data
EXPOSE 7700
ENTRYPOINT ["/opt/strata/strata", "node", "--data", "/data", "--listen", "0.0.0.0:7700"]
CMD ["--provide", "--device", "auto"]
