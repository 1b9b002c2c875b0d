"""The player on the appliance's real display path, inside the system test's VM (QEMU, TCG,
virtio-gpu, KMSDRM), side by side with Debian's `fbi` showing the same photo. Prints numbers;
asserts nothing. Needs root and QEMU, like scripts/system-test (whose image it reuses):

    .venv/bin/python bench/vm_display.py [--seconds 60] [--display virtio|std]

1. time from power-on (kernel start) and from service start to the first frame (READY=1)
2. idle CPU over SECONDS on a static page (one photo), as % of one core: windows of 10 s,
   median; the unit's cgroup counts every process the player starts
3. the same for fbi on the same photo, and the ratio
4. RSS of the player process and memory of its whole unit (cgroup)
5. the worst stall of the loop: the longest gap between two WATCHDOG=1 (sent every 1 s)
6. CPU per transition: three photos at 5 s each, CPU above the idle rate per page change

TCG emulates every guest instruction, so absolute CPU figures are many times a real
machine's; the ratio to fbi and the heartbeat gaps are what compare.
"""

from __future__ import annotations

import argparse
import io
import json
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from PIL import Image  # noqa: E402

from tests.system.vm import (  # noqa: E402
    VM,
    boot_times,
    build_image,
    qemu_unavailable,
)


def photo(seed: int, size: tuple[int, int] = (1280, 720)) -> bytes:
    """A photo-like JPEG: smooth gradients with grain, different for each seed."""
    w, h = size
    base = Image.linear_gradient("L").resize((w, h)).rotate(seed * 40, expand=False)
    mirrored = base.transpose(Image.Transpose.FLIP_LEFT_RIGHT)
    colour = Image.merge("RGB", (base, mirrored, base.point(lambda v: 255 - v)))
    grain = Image.effect_noise((w, h), 20).convert("RGB")
    out = io.BytesIO()
    Image.blend(colour, grain, 0.15).save(out, "JPEG", quality=88)
    return out.getvalue()


CONFIG = """content: {content}
organisation: 青山镇人民政府
state_dir: /run/signage-bench
status_file: /run/signage-bench/status.json
play_log: /run/signage-bench/playlog
"""


def run(seconds: float, display: str) -> int:
    why = qemu_unavailable()
    if why:
        print(f"vm_display: not run: {why}")
        return 0
    image = build_image()
    vm = VM(image, display)
    with vm:
        vm.wait_agent(600)
        vm.sh(
            "for i in $(seq 600); do systemctl is-active -q signage && break; sleep 1; done",
            timeout=660,
        )
        if vm.sh("systemctl is-active signage", check=False).code != 0:
            print(vm.sh("systemctl status signage --no-pager -n 60", check=False).out)
            print("vm_display: the player did not start; nothing measured")
            return 1
        boot = boot_times(vm)
        restarts = vm.sh("systemctl show -p NRestarts --value signage").out.strip()
        assert vm.agent is not None
        vm.sh("systemctl stop signage")
        vm.agent.write("/root/vm_probe.py", (REPO / "bench/vm_probe.py").read_bytes())
        vm.sh("mkdir -p /srv/bench-static/slides /srv/bench-fades/slides")
        vm.agent.write("/srv/bench-static/slides/photo.jpg", photo(0))
        for i in range(3):
            vm.agent.write(f"/srv/bench-fades/slides/photo-{i}.jpg", photo(i))
        vm.agent.write("/srv/bench-fades/signage.yaml", b"defaults:\n  duration: 5\n")
        vm.sh("chmod -R a+rX /srv/bench-static /srv/bench-fades")
        for name in ("static", "fades"):
            vm.agent.write(
                f"/root/bench-{name}.yaml", CONFIG.format(content=f"/srv/bench-{name}").encode()
            )
        vm.sh("chmod a+r /root/bench-*.yaml && cp /root/bench-*.yaml /etc/signage/")

        def probe(*args: str) -> dict[str, object]:
            out = vm.sh(
                "python3 /root/vm_probe.py " + " ".join(args), timeout=seconds * 3 + 600
            ).out
            result: dict[str, object] = json.loads(out.strip().splitlines()[-1])
            return result

        static = probe("player", "/etc/signage/bench-static.yaml", str(seconds))
        fades = probe("player", "/etc/signage/bench-fades.yaml", str(seconds))
        fbi = probe("fbi", "/srv/bench-static/slides/photo.jpg", str(seconds))
        for name, result in (("static", static), ("fades", fades)):
            if "error" in result:
                print(f"vm_display: the {name} run failed: {result['error']}")
                return 1

    print(f"VM: QEMU {display}, accel {vm.command()[2]}, {vm.size[0]}x{vm.size[1]}, 2 vCPUs")
    print(
        f"first boot: kernel start to first frame (READY=1) {boot['ready']:.1f} s; "
        f"service start to first frame {boot['start_to_ready']:.1f} s"
    )
    print(f"first boot: the player was restarted {restarts} time(s) before its first frame")
    print(f"bench player: start to first frame {static['start_to_ready_s']:.1f} s")
    s_cpu = static["cpu_percent_median"]
    print(
        f"static photo, {seconds:.0f} s: player CPU median {s_cpu} % of a core "
        f"(windows {static['cpu_percent_windows']})"
    )
    if "error" in fbi:
        print(f"fbi: could not run: {fbi['error']}")
    else:
        f_cpu = fbi["cpu_percent_median"]
        ratio = (
            f"{float(s_cpu) / float(f_cpu):.0f}x"  # type: ignore[arg-type]
            if f_cpu and float(f_cpu) > 0  # type: ignore[arg-type]
            else "fbi at 0"
        )
        print(
            f"static photo, {seconds:.0f} s: fbi CPU median {f_cpu} % "
            f"(windows {fbi['cpu_percent_windows']}); player/fbi {ratio}; "
            f"fbi RSS {fbi['rss_mb']} MB, unit {fbi['unit_memory_mb']} MB"
        )
    print(
        f"player memory: RSS {static['rss_mb']} MB (peak {static['hwm_mb']} MB), "
        f"whole unit {static['unit_memory_mb']} MB (peak {static['unit_memory_peak_mb']} MB)"
    )
    print(f"player libraries of note: {', '.join(static['libs']) or 'none'}")  # type: ignore[arg-type]
    print(
        f"loop stalls: worst gap between WATCHDOG=1 (every 1 s) static "
        f"{static['heartbeat_gap_max_s']} s, with fades {fades['heartbeat_gap_max_s']} s"
    )
    transitions = seconds / 5
    extra = (float(fades["cpu_percent_mean"]) - float(static["cpu_percent_mean"])) / 100  # type: ignore[arg-type]
    print(
        f"transitions (3 photos, 5 s each, fade): CPU mean {fades['cpu_percent_mean']} % vs "
        f"static {static['cpu_percent_mean']} %: {extra * seconds / transitions:.2f} CPU-s "
        f"per transition"
    )
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--display", choices=("virtio", "std"), default="virtio")
    args = parser.parse_args()
    return run(args.seconds, args.display)


if __name__ == "__main__":
    sys.exit(main())
