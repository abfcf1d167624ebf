"""Generates C++ Protobuf and gRPC code with Debian's protoc and grpc_cpp_plugin.

Bazel's own proto rules would fetch protobuf and gRPC from the network; this macro runs the
system compilers instead. Import paths and C++ include paths are from the workspace root:

    cc_grpc_proto_library(
        name = "herald_cc_proto",
        srcs = ["topic.proto", "publish.proto"],
    )
    # #include "api/herald/v1/topic.grpc.pb.h"
"""

def cc_grpc_proto_library(name, srcs, proto_deps = [], deps = [], visibility = None):
    """A cc_library of the messages and gRPC stubs generated from `srcs`.

    Args:
      name: the cc_library's name.
      srcs: .proto files of this package.
      proto_deps: .proto files (labels) that `srcs` import from other packages.
      deps: the cc_library targets generated from `proto_deps`.
      visibility: of the cc_library.
    """
    outs = []
    for src in srcs:
        base = src[:-len(".proto")]
        outs += [base + ".pb.h", base + ".pb.cc", base + ".grpc.pb.h", base + ".grpc.pb.cc"]
    native.genrule(
        name = name + "_gen",
        srcs = srcs + proto_deps,
        outs = outs,
        cmd = " ".join([
            "protoc",
            "-I.",
            "-I/usr/include",
            "--cpp_out=$(GENDIR)",
            "--grpc_out=$(GENDIR)",
            "--plugin=protoc-gen-grpc=$$(command -v grpc_cpp_plugin)",
        ] + ["$(location %s)" % src for src in srcs]),
    )
    native.cc_library(
        name = name,
        srcs = [out for out in outs if out.endswith(".cc")],
        hdrs = [out for out in outs if out.endswith(".h")],
        deps = deps + [
            "//third_party:grpc",
            "//third_party:protobuf",
        ],
        visibility = visibility,
    )
