"""herald_fuzz_test: one fuzz target, two ways to run it.

`name` is a test that replays the target's seed corpus (corpus/<name>/) and mutations of it
with the replay driver, under any compiler; `<name>_libfuzzer` is the same target linked
with libFuzzer and ASan for open-ended fuzzing (clang only: `--config=fuzz`).
"""

def herald_fuzz_test(name, srcs, deps):
    native.cc_test(
        name = name,
        size = "small",
        srcs = srcs,
        deps = deps + [
            ":fuzz_target",
            ":replay_main",
        ],
        data = native.glob(["corpus/%s/*" % name]),
        args = ["tests/fuzz/corpus/" + name],
    )
    native.cc_binary(
        name = name + "_libfuzzer",
        testonly = True,
        srcs = srcs,
        deps = deps + [":fuzz_target"],
        linkopts = ["-fsanitize=fuzzer"],
        tags = ["manual"],
    )
