"""The exact plan: a mixed-integer model of the same costs, for small instances.

Same sites, options and costs as `make_plan` (options.py), solved to optimality by HiGHS
through scipy.optimize.milp, so `make_plan`'s greedy answer can be measured against the
optimum (bench/planning_gap.py). Where the greedy fibre extension only lays fibre to a
site when fibre is already its cheapest option, the exact model may lay a longer link to
a site that opens a cheap chain to others: the economies of scale the greedy misses.

Variables, per planned site s:
  z[s, t]   1 if s takes the alternative t (cellular, microwave, satellite) where feasible
  x[a]      1 if fibre arc a = (p → s) is built: p the nearest fibre node, or any other
            site, with the link within fibre's maximum length
Constraints: one option per site (= 1 to connect all, ≤ 1 under a budget); an arc leaves a
site only if that site is on fibre; no two sites feed each other; under a budget, total
cost ≤ budget; and fibre reaches a node: per site k that another site could feed, a unit
of flow f[k, a] ≤ x[a] runs from the nodes to k whenever k is on fibre (a compact
multi-commodity flow, as strong as every connectivity cut at once).
Objective: least total npv (connect all), or most schools or students (budget).
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from .data import Costs, FibreNodes, Plan, Progress, Roads, Sites, Towers
from .fibre import candidate_links
from .plan import Choice, assemble, check_arguments, prepare, values_of

MAX_SITES = 500  # beyond this the model is too large to solve in a meeting
MIP_GAP = 1e-4  # relative: the optimum is proven to within 0.01%


class ExactPlanError(RuntimeError):
    """The solver found no optimal answer (time limit, or the instance is too large)."""


def exact_plan(
    sites: Sites,
    fibre: FibreNodes,
    towers: Towers,
    costs: Costs,
    *,
    roads: Roads | None = None,
    budget: float | None = None,
    objective: str = "schools",
    budget_basis: str = "npv",
    progress: Progress | None = None,
    time_limit: float = 60.0,
) -> Plan:
    """The optimal plan under the same cost model as make_plan (small instances only)."""
    check_arguments(budget, objective, budget_basis)
    report = progress or (lambda phase, fraction: None)
    todo, sub, opts, router = prepare(sites, fibre, towers, costs, roads)
    n = len(todo)
    if n > MAX_SITES:
        raise ExactPlanError(f"the exact model takes at most {MAX_SITES} sites, got {n}")
    report("model", 0.0)

    # Alternatives: one variable per feasible (site, technology).
    alt_s, alt_t = np.nonzero(np.isfinite(opts.alt_npv))
    alt_npv = opts.alt_npv[alt_s, alt_t]
    alt_capex = opts.alt_capex[alt_s, alt_t]

    # Fibre arcs: from the nearest node, and from every other site within reach.
    can_fibre = np.isfinite(opts.fibre_base_npv)
    node_idx, node_km = opts.node_idx, opts.node_km
    reach = np.where(can_fibre, opts.fibre_max_km, -1.0)
    if router is not None:
        node_idx, node_km = router.nearest_node(opts.fibre_max_km)
    from_node = np.flatnonzero(can_fibre & (node_km <= opts.fibre_max_km))
    src, dst, km = candidate_links(
        opts, reach, np.flatnonzero(can_fibre), router, opts.fibre_max_km
    )
    # A link from a site no shorter than the site's own link from a node is never needed:
    # the node is always on fibre and the link costs the same per km.
    shorter = km < node_km[dst]
    src, dst, km = src[shorter], dst[shorter], km[shorter]
    arc_src = np.concatenate([np.full(len(from_node), -1), src])
    arc_dst = np.concatenate([from_node, dst])
    arc_km = np.concatenate([node_km[from_node], km])
    arc_npv = opts.fibre_base_npv[arc_dst] + opts.fibre_km_npv * arc_km
    arc_capex = opts.fibre_base_capex[arc_dst] + opts.fibre_km_capex * arc_km

    n_alt, n_arc = len(alt_s), len(arc_dst)
    n_var = n_alt + n_arc  # z, then x
    x0 = n_alt
    npv_cost = np.concatenate([alt_npv, arc_npv])
    capex_cost = np.concatenate([alt_capex, arc_capex])
    has_option = np.zeros(n, dtype=bool)
    has_option[alt_s] = True
    has_option[arc_dst] = True
    into = _arcs_into(arc_dst, n)
    model = _Rows(n_var)
    # One option per site: exactly one to connect all, at most one under a budget.
    one = np.arange(n)
    model.add(alt_s, np.arange(n_alt), 1.0)
    model.add(arc_dst, x0 + np.arange(n_arc), 1.0)
    model.close(n, has_option.astype(np.float64) if budget is None else np.zeros(n), np.ones(n))
    del one
    # An arc leaves a site only if that site is on fibre: x[p → s] ≤ Σ x[· → p].
    leaves = np.flatnonzero(arc_src >= 0)
    model.add(np.arange(len(leaves)), x0 + leaves, 1.0)
    sizes = [len(into[p]) for p in arc_src[leaves]]
    model.add(
        np.repeat(np.arange(len(leaves)), sizes),
        x0 + np.concatenate([into[p] for p in arc_src[leaves]] or [np.zeros(0, np.int64)]),
        -1.0,
    )
    model.close(len(leaves), np.full(len(leaves), -np.inf), np.zeros(len(leaves)))
    # No two sites feed each other (the smallest cycle, cut from the start).
    pair_key = arc_src * n + arc_dst
    back = np.searchsorted(np.sort(pair_key), arc_dst * n + arc_src)
    back_ok = (arc_src >= 0) & (arc_src < arc_dst)
    sorted_idx = np.argsort(pair_key)
    back = np.minimum(back, len(pair_key) - 1)
    has_back = back_ok & (pair_key[sorted_idx[back]] == arc_dst * n + arc_src)
    pairs = np.flatnonzero(has_back)
    model.add(np.arange(len(pairs)), x0 + pairs, 1.0)
    model.add(np.arange(len(pairs)), x0 + sorted_idx[back[pairs]], 1.0)
    model.close(len(pairs), np.full(len(pairs), -np.inf), np.ones(len(pairs)))
    if budget is None:
        objective_vector = npv_cost
    else:
        basis = npv_cost if budget_basis == "npv" else capex_cost
        model.add(np.zeros(n_var, dtype=np.int64), np.arange(n_var), basis)
        model.close(1, np.array([-np.inf]), np.array([float(budget)]))
        # Value alone: a tie-breaking cost term would make HiGHS prove a second optimum.
        objective_vector = -values_of(sub, objective)[np.concatenate([alt_s, arc_dst])]

    # Fibre must reach a node: one unit of flow per site on fibre, from the nodes.
    f0 = _add_flows(model, arc_src, arc_dst, x0, n)
    n_all = model.n_var
    objective_vector = np.concatenate([objective_vector, np.zeros(n_all - n_var)])
    integrality = np.concatenate([np.ones(n_var), np.zeros(n_all - n_var)])
    report("solve", 0.0)
    res = milp(
        objective_vector,
        constraints=model.constraint(),
        integrality=integrality,
        bounds=Bounds(np.zeros(n_all), np.ones(n_all)),
        options={"time_limit": time_limit, "mip_rel_gap": MIP_GAP},
    )
    if res.status != 0 or res.x is None:
        raise ExactPlanError(f"the solver stopped without an optimal plan: {res.message}")
    picked = np.flatnonzero(np.round(res.x[x0:f0]) > 0)
    if _cycles(arc_src[picked], arc_dst[picked], n):  # the flows rule this out
        raise ExactPlanError("the solver settled on fibre that does not reach a node")
    report("solve", 1.0)

    chosen = np.round(res.x[:n_var]).astype(bool)
    choice = Choice(n)
    alt_col = np.zeros(n, dtype=np.int64)
    picked_alt = chosen[:n_alt]
    alt_col[alt_s[picked_alt]] = alt_t[picked_alt]
    on_alt = np.zeros(n, dtype=bool)
    on_alt[alt_s[picked_alt]] = True
    choice.set_alternatives(opts, alt_col, on_alt)
    picked_arc = np.flatnonzero(chosen[x0:f0])
    on_fibre = np.zeros(n, dtype=bool)
    link = np.zeros(n)
    parent = np.full(n, -1, dtype=np.int64)
    on_fibre[arc_dst[picked_arc]] = True
    link[arc_dst[picked_arc]] = arc_km[picked_arc]
    parent[arc_dst[picked_arc]] = arc_src[picked_arc]
    choice.set_fibre(opts, on_fibre, link)
    via_site = on_fibre & (parent >= 0)
    choice.reason[on_fibre] = np.where(via_site[on_fibre], "fibre_via_site", "fibre_node")
    choice.via_kind[on_fibre] = np.where(via_site[on_fibre], "site", "node")
    choice.via_idx[on_fibre] = np.where(via_site[on_fibre], parent[on_fibre], node_idx[on_fibre])
    # Sites with no option at all keep the reason Choice starts with.
    choice.feasible[:] = has_option
    funded = on_alt | on_fibre
    plan = assemble(sites, fibre, towers, todo, opts, choice, funded, budget, objective)
    report("done", 1.0)
    return plan


def _add_flows(model: _Rows, arc_src: np.ndarray, arc_dst: np.ndarray, x0: int, n: int) -> int:
    """Flow variables and rows that make every site on fibre reach a node; returns the
    first flow column.

    One commodity per site k that some other site could feed: a unit leaves the nodes and
    ends at k when k is on fibre, along arcs that are built (flow ≤ x). This is the
    multi-commodity form of "every set of sites with one on fibre has an arc entering
    it", whose LP bound is as strong as all those cuts at once (a single flow of n units
    under n·x is far weaker: a long link to a cluster is bought in fractions). Sites only
    exchange flow within their component of the site-to-site links, so each commodity
    lives on its component's arcs alone.
    """
    f0 = model.n_var
    site_arc = arc_src >= 0
    if not site_arc.any():
        return f0
    graph = coo_matrix(
        (np.ones(int(site_arc.sum())), (arc_src[site_arc], arc_dst[site_arc])), shape=(n, n)
    )
    _count, comp = connected_components(graph, directed=False)
    fed = np.zeros(n, dtype=bool)
    fed[arc_dst[site_arc]] = True  # a site fed only from a node needs no commodity
    arc_comp = comp[arc_dst]
    col = f0
    for k in np.flatnonzero(fed).tolist():
        arcs = np.flatnonzero(arc_comp == comp[k])
        members = np.flatnonzero(comp == comp[k])
        local = np.full(n, -1, dtype=np.int64)
        local[members] = np.arange(len(members))
        m = len(arcs)
        cols = col + np.arange(m)
        # Conservation at each member v: flow in − flow out − [v = k]·(k on fibre) = 0.
        model.add(local[arc_dst[arcs]], cols, 1.0)
        out = arc_src[arcs] >= 0
        model.add(local[arc_src[arcs[out]]], cols[out], -1.0)
        into_k = arcs[arc_dst[arcs] == k]
        model.add(np.full(len(into_k), local[k]), x0 + into_k, -1.0)
        model.close(len(members), np.zeros(len(members)), np.zeros(len(members)))
        # Coupling: flow only on built arcs.
        model.add(np.arange(m), cols, 1.0)
        model.add(np.arange(m), x0 + arcs, -1.0)
        model.close(m, np.full(m, -np.inf), np.zeros(m))
        col += m
    model.n_var = col
    return f0


class _Rows:
    """A sparse constraint matrix built a block of rows at a time."""

    def __init__(self, n_var: int):
        self.n_var = n_var
        self.n_rows = 0
        self.rows: list[np.ndarray] = []
        self.cols: list[np.ndarray] = []
        self.vals: list[np.ndarray] = []
        self.lower: list[np.ndarray] = []
        self.upper: list[np.ndarray] = []

    def add(self, r: np.ndarray, c: np.ndarray, v: np.ndarray | float) -> None:
        """Entries of the block being built (rows numbered from 0 within the block)."""
        r = np.asarray(r, dtype=np.int64)
        self.rows.append(r + self.n_rows)
        self.cols.append(np.asarray(c, dtype=np.int64))
        self.vals.append(np.broadcast_to(np.asarray(v, dtype=np.float64), r.shape).copy())

    def close(self, count: int, lower: np.ndarray, upper: np.ndarray) -> None:
        self.n_rows += count
        self.lower.append(np.asarray(lower, dtype=np.float64))
        self.upper.append(np.asarray(upper, dtype=np.float64))

    def constraint(self) -> LinearConstraint:
        matrix = coo_matrix(
            (np.concatenate(self.vals), (np.concatenate(self.rows), np.concatenate(self.cols))),
            shape=(self.n_rows, self.n_var),
        ).tocsr()
        return LinearConstraint(matrix, np.concatenate(self.lower), np.concatenate(self.upper))


def _cycles(src: np.ndarray, dst: np.ndarray, n: int) -> list[np.ndarray]:
    """Sets of sites on fibre cut off from every node: each cycle of chosen arcs, and the
    cycle with every site hanging from it (each site has at most one parent)."""
    parent = np.full(n, -2, dtype=np.int64)  # -2: not on fibre, -1: joined to a node
    parent[dst] = src
    state = np.zeros(n, dtype=np.int8)  # 0 unseen, 1 on the current walk, 2 settled
    root = np.full(n, -1, dtype=np.int64)  # the cycle (by number) a cut-off site hangs from
    cycles: list[np.ndarray] = []
    for start in np.flatnonzero(parent != -2).tolist():
        walk = []
        v = start
        while v >= 0 and state[v] == 0:
            state[v] = 1
            walk.append(v)
            v = int(parent[v])
        if v >= 0 and state[v] == 1:
            cycles.append(np.array(walk[walk.index(v) :], dtype=np.int64))
            label = len(cycles) - 1
        else:
            label = int(root[v]) if v >= 0 else -1
        for w in walk:
            state[w] = 2
            root[w] = label
    hanging = [np.flatnonzero(root == k) for k in range(len(cycles))]
    return cycles + [h for h, c in zip(hanging, cycles, strict=True) if len(h) > len(c)]


def _arcs_into(arc_dst: np.ndarray, n: int) -> list[np.ndarray]:
    order = np.argsort(arc_dst, kind="stable")
    bounds = np.searchsorted(arc_dst[order], np.arange(n + 1))
    return [order[bounds[i] : bounds[i + 1]] for i in range(n)]


__all__ = ["ExactPlanError", "exact_plan"]
