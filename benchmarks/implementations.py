"""The implementations that ``compare.py`` times against tjsim's engine.

Every function runs the same model (the packaged Tianjin calibration, baseline
scenario) for ``draws`` draws and returns the estimated probability of meeting each
target, so that the comparison can check that they agree.

``floor``
    Drawing as many latent normals alone, into a reused buffer: no model at all. They
    are numpy's normals on SFC64, block by block, from the generator stream ``sfc64/2``
    gives each block (``numpy.random.Generator(SFC64(...))``,
    :func:`tjsim.seeding.block_generator`): numpy's cheapest normals (the engine's
    default stream, ``sfc64/3``, draws its own from eight SFC64 lanes a block, which
    numpy alone draws no faster); on one thread or on several, each drawing every
    other block.
``default_floor``
    The same count of normals from numpy's default generator
    (``numpy.random.default_rng``, PCG64), in the same blocks: what drawing the
    model's random numbers costs a user of numpy (PCG64's normals cost about 20% more
    than SFC64's).
``loop``
    :func:`tjsim.engine.reference.simulate_reference`: one draw at a time in plain Python
    (correlation, exact quantile transforms, each equation's syntax tree).
``pandas``
    ``DataFrame.apply`` over rows of latent normals, each row evaluated with the
    compiled model's equations (:class:`RowModel`).
``monaco``
    A `monaco <https://pypi.org/project/monaco/>`_ simulation: independent standard
    normal inputs, the model (correlation included) run once per case by
    :class:`RowModel`.
``salib``
    Scrambled Sobol' inputs from `SALib <https://pypi.org/project/SALib/>`_ (its
    sensitivity design, ``N * (d + 2)`` rows), then tjsim's vectorized evaluation.
"""

from __future__ import annotations

import math
import os
import platform
import threading
from dataclasses import dataclass
from typing import Any

import numpy as np

import tjsim
from tjsim.engine import NumpyKernel, available_cpus
from tjsim.engine.reference import simulate_reference
from tjsim.engine.sampling import LatentSampler
from tjsim.engine.tables import interpolate
from tjsim.model import CompiledModel, compile_model
from tjsim.seeding import RNG, as_seed_sequence, block_generator, plan_blocks

#: Rows per chunk where an implementation evaluates many draws at once.
CHUNK = 65_536


@dataclass
class Setup:
    """The calibration, its compiled baseline model and the engine's kernel."""

    calibration: Any
    model: CompiledModel
    kernel: NumpyKernel

    @classmethod
    def load(cls) -> Setup:
        calibration = tjsim.load_calibration()
        model = compile_model(calibration)
        return cls(calibration, model, NumpyKernel.from_model(model))

    @property
    def dimension(self) -> int:
        return self.model.dimension

    @property
    def targets(self) -> list[str]:
        return [t.id for t in self.model.primary_targets]


# ---------------------------------------------------------------------- the floor
def floor(setup: Setup, draws: int, seed: int = 1, threads: int = 1) -> None:
    """Draw ``draws x dimension`` latent normals of method ``mc`` as stream ``sfc64/2``
    does (block ``b`` from ``Generator(SFC64(SeedSequence(seed, spawn_key=(b,))))``), on
    ``threads`` threads taking the blocks in turn (numpy releases the GIL while it fills
    an array)."""
    root = as_seed_sequence(seed)
    blocks = list(plan_blocks("mc", draws))
    if threads == 1:
        _draw_normals(setup.dimension, root, blocks)
        return
    pool = [
        threading.Thread(target=_draw_normals, args=(setup.dimension, root, blocks[k::threads]))
        for k in range(threads)
    ]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()


def _draw_normals(dimension: int, root: np.random.SeedSequence, blocks: list) -> None:
    if not blocks:
        return
    buffer = np.empty((max(block.size for block in blocks), dimension))
    for block in blocks:
        block_generator(root, block.id).standard_normal(out=buffer[: block.size])


def default_floor(setup: Setup, draws: int, seed: int = 1) -> None:
    """Draw ``draws x dimension`` normals from numpy's default generator (PCG64), block
    by block into a reused buffer, on one thread."""
    generator = np.random.default_rng(seed)
    blocks = list(plan_blocks("mc", draws))
    buffer = np.empty((max(block.size for block in blocks), setup.dimension))
    for block in blocks:
        generator.standard_normal(out=buffer[: block.size])


# ---------------------------------------------------------------------- tjsim
def engine(setup: Setup, draws: int, method: str = "mc", seed: int = 1, **options) -> np.ndarray:
    """tjsim's engine; returns P(met) per target."""
    result = tjsim.simulate(
        draws=draws, seed=seed, method=method, calibration=setup.calibration, **options
    )
    return result.probabilities()["probability"].to_numpy()


def default_kernel(setup: Setup) -> str:
    """The kernel ``tjsim.simulate`` runs by default here (the fastest available)."""
    return tjsim.simulate(draws=100, seed=1, calibration=setup.calibration).metadata["kernel"]


# ---------------------------------------------------------------------- per-draw models
class RowModel:
    """The compiled model evaluated for one draw of latent normals ``e`` (``(d,)``):
    correlation, the marginals' transforms (the engine's tables, those of the events of
    random size included), events, and the targets' margins from the compiled equations
    ``c + L x``."""

    def __init__(self, model: CompiledModel):
        self.lower = model.cholesky
        self.shocks = model.n_shocks
        columns = model.column_marginals()
        self.spread = [m.spread if m.is_linear else None for m in model.marginals]
        self.tables = {
            j: m.table() for j, m in enumerate(columns) if m is not None and not m.is_linear
        }
        self.events = model.event_thresholds
        p = model.n_primary  # the readings in force (alternatives are not timed)
        self.constant = model.target_constant[:p]
        self.loadings = model.target_loadings[:p]
        self.strict = model.target_strict[:p]

    def met(self, e: np.ndarray) -> np.ndarray:
        z = self.lower @ e
        x = np.empty_like(z)
        for j, spread in enumerate(self.spread):
            x[j] = spread * z[j] if spread is not None else interpolate(z[j], self.tables[j])
        x[self.shocks :] = z[self.shocks :] < self.events
        for j, table in self.tables.items():
            if j >= self.shocks:  # an event of random size
                x[j] = interpolate(z[j], table)
        margins = self.constant + self.loadings @ x
        return np.where(self.strict, margins > 0.0, margins >= 0.0)


def latent_normals(setup: Setup, draws: int, seed: int = 1) -> np.ndarray:
    """The engine's latent normals (method ``mc``) for ``draws`` draws."""
    out = np.empty((draws, setup.dimension))
    sampler = LatentSampler("mc", as_seed_sequence(seed), setup.dimension)
    start = 0
    for block in plan_blocks("mc", draws):
        sampler.fill(block, out[start : start + block.size])
        start += block.size
    return out


def loop(setup: Setup, draws: int, seed: int = 1) -> np.ndarray:
    """The per-draw pure-Python reference implementation."""
    ref = simulate_reference(setup.calibration, draws=draws, seed=seed, method="mc")
    return ref.met[:, : setup.model.n_primary].mean(axis=0)


def pandas_rowwise(setup: Setup, draws: int, seed: int = 1) -> np.ndarray:
    """``DataFrame.apply`` row by row over the engine's latent normals."""
    import pandas as pd

    frame = pd.DataFrame(latent_normals(setup, draws, seed), columns=list(setup.model.basis))
    row_model = RowModel(setup.model)
    met = frame.apply(
        lambda row: pd.Series(row_model.met(row.to_numpy()), index=setup.targets), axis=1
    )
    return met.mean(axis=0).to_numpy()


# ---------------------------------------------------------------------- peers
def available(module: str) -> str | None:
    """``None`` if ``module`` imports, else why not."""
    try:
        __import__(module)
    except Exception as exc:  # an optional peer: any import failure means "skip"
        return (
            f"{module} is not installed ({type(exc).__name__}: {exc}); pip install 'tjsim[bench]'"
        )
    return None


def monaco_run(setup: Setup, draws: int, seed: int = 1) -> np.ndarray:
    """A monaco simulation of ``draws`` cases (plain random sampling, one process)."""
    import monaco
    import scipy.stats

    d = setup.dimension
    names = [f"e{j}" for j in range(d)]
    targets = setup.targets
    row_model = RowModel(setup.model)

    def preprocess(case):
        return (np.array([case.invals[name].val for name in names]),)

    def run(e):
        return (row_model.met(e),)

    def postprocess(case, met):
        for target, flag in zip(targets, met, strict=True):
            case.addOutVal(target, float(flag))

    sim = monaco.Sim(
        "tjsim-bench",
        draws,
        {
            monaco.SimFunctions.PREPROCESS: preprocess,
            monaco.SimFunctions.RUN: run,
            monaco.SimFunctions.POSTPROCESS: postprocess,
        },
        samplemethod=monaco.SampleMethod.RANDOM,
        seed=seed,
        singlethreaded=True,
        verbose=False,
    )
    for name in names:
        sim.addInVar(name=name, dist=scipy.stats.norm, distkwargs={"loc": 0.0, "scale": 1.0})
    sim.runSim()
    return np.array([np.mean(sim.outvars[t].nums) for t in targets])


def salib_base(draws: int, dimension: int) -> int:
    """SALib's ``N`` (a power of two) whose design of ``N * (d + 2)`` rows is nearest
    ``draws``."""
    return 2 ** max(0, round(math.log2(max(draws / (dimension + 2), 1))))


def salib_rows(draws: int, dimension: int) -> int:
    return salib_base(draws, dimension) * (dimension + 2)


def salib_run(setup: Setup, draws: int, seed: int = 1) -> np.ndarray:
    """SALib's scrambled Sobol' design (normal inputs), evaluated by tjsim's kernel."""
    from SALib.sample import sobol

    d = setup.dimension
    problem = {
        "num_vars": d,
        "names": list(setup.model.basis),
        "bounds": [[0.0, 1.0]] * d,  # mean and standard deviation for "norm"
        "dists": ["norm"] * d,
    }
    latent = sobol.sample(
        problem, salib_base(draws, d), calc_second_order=False, scramble=True, seed=seed
    )
    kernel = setup.kernel
    met = np.zeros(len(kernel.strict) + 1)
    for start in range(0, len(latent), CHUNK):
        chunk = np.ascontiguousarray(latent[start : start + CHUNK])
        met += kernel.met(kernel.values(kernel.basis(chunk))).sum(axis=0)
    return met[:-1] / len(latent)


# ---------------------------------------------------------------------- the machine
def machine() -> dict[str, Any]:
    """What the numbers were measured on."""
    import scipy

    info: dict[str, Any] = {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpu": _cpu_model(),
        "cores": os.cpu_count(),  # the machine's, as the OS counts them
        "cores_usable": available_cpus(),  # the CPUs this process may run on
        "rng": RNG,
        "numpy": np.__version__,
        "scipy": scipy.__version__,
        "tjsim": tjsim.__version__,
        "environment": {
            key: os.environ[key]
            for key in (
                "OPENBLAS_CORETYPE",
                "OPENBLAS_L2_SIZE",
                "OPENBLAS_NUM_THREADS",
                "OMP_NUM_THREADS",
                "MKL_NUM_THREADS",
            )
            if key in os.environ
        },
        "load_average": list(os.getloadavg()) if hasattr(os, "getloadavg") else None,
    }
    try:
        from threadpoolctl import threadpool_info

        info["blas"] = [
            {
                key: pool.get(key)
                for key in ("internal_api", "version", "architecture", "num_threads")
            }
            for pool in threadpool_info()
        ]
    except ImportError:
        config = np.show_config(mode="dicts")
        blas = config.get("Build Dependencies", {}).get("blas", {})
        info["blas"] = [{"name": blas.get("name"), "version": blas.get("version")}]
    for name in ("pandas", "monaco", "SALib", "numba"):
        try:
            from importlib.metadata import version

            info[name] = version(name)
        except Exception:
            info[name] = None
    return info


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as handle:
            for line in handle:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"
