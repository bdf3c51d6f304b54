"""The planner: the least-cost technology for every site, or the best use of a budget.

`make_plan` works on whole columns: one KD-tree query per kind of infrastructure gives
every site its cellular, microwave and satellite costs (options.py); the greedy fibre
extension (fibre.py) decides which sites join the fibre network; each remaining site takes
its cheapest option. Under a budget, sites are funded in order of cost per site (or per
student) connected, a fibre site never before the site it joins through, then a fill pass
spends what is left on the sites that still fit. `exact_plan` (exact.py) solves the same
model exactly on small instances, to measure how far these greedy answers are from the
optimum.
"""

from __future__ import annotations

import heapq

import numpy as np

from .data import (
    CELLULAR,
    EXISTING,
    FIBRE,
    MICROWAVE,
    NONE,
    SATELLITE,
    TECHNOLOGIES,
    Costs,
    FibreNodes,
    Plan,
    Progress,
    Roads,
    Sites,
    Towers,
)
from .fibre import (
    FibreResult,
    RoadRouter,
    fibre_thresholds,
    greedy_extension,
    improve_extension,
)
from .options import ALTERNATIVES, SiteOptions, site_options

OBJECTIVES = ("schools", "students")
BUDGET_BASES = ("npv", "capex")
BUDGET_ROUNDS = 6  # stand-alone-first budget rounds: each lets sites join newly funded fibre

# Why a site got its answer: codes the pages translate, with a description in English.
REASONS: dict[str, str] = {
    "existing": "Already connected: left as it is.",
    "fibre_node": "Fibre from the nearest fibre node is the cheapest option.",
    "fibre_via_site": "Fibre through a neighbouring site on fibre is the cheapest option.",
    "cellular_in_range": "Covered by a 4G/5G tower, and cellular is the cheapest option.",
    "microwave_in_range": "A tower is within microwave range; microwave is the cheapest option.",
    "satellite_only": "No tower or fibre within reach: satellite is the only option.",
    "satellite_cheapest": "Satellite is the cheapest option.",
    "over_budget": "Not funded: the budget runs out before this site.",
    "no_students": "Not funded: the plan maximises students and this site has none.",
    "demand_over_capacity": "No technology within reach can carry the site's demand.",
}

_ALT_REASON = {CELLULAR: "cellular_in_range", MICROWAVE: "microwave_in_range"}


def make_plan(
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
) -> Plan:
    """Connect every site at least cost (budget None), or the most sites within the budget."""
    check_arguments(budget, objective, budget_basis)
    report = progress or (lambda phase, fraction: None)
    report("options", 0.0)
    todo, sub, opts, router = prepare(sites, fibre, towers, costs, roads)
    alt_choice, alt_npv = opts.best_alternative()
    report("options", 1.0)
    thresholds = fibre_thresholds(opts, alt_npv)
    result = greedy_extension(opts, thresholds, router=router, progress=progress)
    if router is None:
        result = improve_extension(
            opts, thresholds, alt_npv, result, _node_xyz(fibre), progress=progress
        )
    choice = Choice.from_greedy(opts, alt_choice, alt_npv, result)
    if budget is None:
        funded = choice.feasible.copy()
    else:
        report("budget", 0.0)
        funded, choice = _select_within_budget(
            opts, choice, result, sub, budget, objective, budget_basis
        )
        report("budget", 1.0)
    plan = assemble(sites, fibre, towers, todo, opts, choice, funded, budget, objective)
    report("done", 1.0)
    return plan


def prepare(
    sites: Sites, fibre: FibreNodes, towers: Towers, costs: Costs, roads: Roads | None
) -> tuple[np.ndarray, Sites, SiteOptions, RoadRouter | None]:
    """The sites to plan (not already connected), their options and the road router."""
    todo = np.flatnonzero(~sites.already_connected.astype(bool))
    sub = _subset(sites, todo)
    opts = site_options(sub, fibre, towers, costs)
    router = None
    if roads is not None and len(roads.lat) and len(sub):
        router = RoadRouter(roads, opts.xyz, _node_xyz(fibre))
    return todo, sub, opts, router


def assemble(
    sites: Sites,
    fibre: FibreNodes,
    towers: Towers,
    todo: np.ndarray,
    opts: SiteOptions,
    choice: Choice,
    funded: np.ndarray,
    budget: float | None,
    objective: str,
) -> Plan:
    """The Plan over all sites from the choice made for the planned ones."""
    plan = empty_plan(len(sites), sites)
    existing = sites.already_connected.astype(bool)
    plan.demand_mbps[todo] = opts.demand_mbps
    plan.technology[existing] = EXISTING
    plan.reason[existing] = "existing"
    choice.write(plan, todo, funded, sites, fibre, towers)
    if budget is not None:
        plan.budget = float(budget)
        plan.objective = objective
        value = values_of(_subset(sites, todo), objective)
        unfunded = ~funded & choice.feasible
        plan.reason[todo[unfunded]] = np.where(value[unfunded] > 0, "over_budget", "no_students")
    if len(todo) and not len(fibre):
        plan.notes.append("no_fibre_nodes")
    if len(todo) and not len(towers):
        plan.notes.append("no_towers")
    return plan


def plan_totals(plan: Plan) -> dict[str, dict[str, float]]:
    """Sites, students, capex, opex per year and npv per technology, and for the plan.

    Keys: each of TECHNOLOGIES, "existing", "none", and "total" (sites the plan connects).
    """
    students = plan.num_students if len(plan.num_students) == len(plan) else np.zeros(len(plan))
    out: dict[str, dict[str, float]] = {}

    def row(mask: np.ndarray) -> dict[str, float]:
        return {
            "sites": int(mask.sum()),
            "students": int(students[mask].sum()),
            "capex": float(plan.capex[mask].sum()),
            "opex_per_year": float(plan.opex_per_year[mask].sum()),
            "npv": float(plan.npv[mask].sum()),
        }

    for name in (*TECHNOLOGIES, EXISTING, NONE):
        out[name] = row(plan.technology == name)
    out["total"] = row(plan.connected.astype(bool))
    return out


def check_arguments(budget: float | None, objective: str, budget_basis: str) -> None:
    if objective not in OBJECTIVES:
        raise ValueError(f"objective must be one of {', '.join(OBJECTIVES)}, got {objective!r}")
    if budget_basis not in BUDGET_BASES:
        raise ValueError(
            f"budget_basis must be one of {', '.join(BUDGET_BASES)}, got {budget_basis!r}"
        )
    if budget is not None and not (np.isfinite(budget) and budget >= 0):
        raise ValueError(f"budget must be a number of US dollars, 0 or more, got {budget!r}")


def _subset(sites: Sites, idx: np.ndarray) -> Sites:
    return Sites(**{name: getattr(sites, name)[idx] for name in Sites.__dataclass_fields__})


def _node_xyz(fibre: FibreNodes) -> np.ndarray:
    from . import geo

    return geo.to_xyz(fibre.lat, fibre.lon) if len(fibre) else np.zeros((0, 3))


def values_of(sites: Sites, objective: str) -> np.ndarray:
    if objective == "students":
        return sites.num_students.astype(np.float64)
    return np.ones(len(sites))


def empty_plan(n: int, sites: Sites) -> Plan:
    return Plan(
        technology=np.full(n, NONE, dtype=object),
        connected=np.zeros(n, dtype=bool),
        capex=np.zeros(n),
        opex_per_year=np.zeros(n),
        npv=np.zeros(n),
        demand_mbps=np.zeros(n),
        reason=np.full(n, "", dtype=object),
        via_kind=np.full(n, "", dtype=object),
        via_id=np.full(n, "", dtype=object),
        via_lat=np.full(n, np.nan),
        via_lon=np.full(n, np.nan),
        link_km=np.zeros(n),
        num_students=sites.num_students.astype(np.int64),
    )


class Choice:
    """Per planned site: the chosen option and its costs (columns over the subset)."""

    def __init__(self, n: int):
        self.tech = np.full(n, NONE, dtype=object)
        self.reason = np.full(n, "demand_over_capacity", dtype=object)
        self.capex = np.zeros(n)
        self.opex = np.zeros(n)
        self.npv = np.zeros(n)
        self.via_kind = np.full(n, "", dtype=object)
        self.via_idx = np.full(n, -1, dtype=np.int64)
        self.link_km = np.zeros(n)
        self.feasible = np.zeros(n, dtype=bool)

    @classmethod
    def from_greedy(
        cls, opts: SiteOptions, alt_choice: np.ndarray, alt_npv: np.ndarray, result: FibreResult
    ) -> Choice:
        c = cls(len(alt_npv))
        c.set_alternatives(opts, alt_choice, np.isfinite(alt_npv) & ~result.on_fibre)
        f = result.on_fibre
        via_site = f & (result.parent >= 0)
        c.set_fibre(opts, f, result.link_km)
        c.reason[f] = np.where(via_site[f], "fibre_via_site", "fibre_node")
        c.via_kind[f] = np.where(via_site[f], "site", "node")
        c.via_idx[f] = np.where(via_site[f], result.parent[f], result.node_idx[f])
        return c

    def set_alternatives(self, opts: SiteOptions, alt_choice: np.ndarray, mask: np.ndarray) -> None:
        rows = np.flatnonzero(mask)
        col = alt_choice[rows]
        names = np.array(ALTERNATIVES, dtype=object)[col]
        self.tech[rows] = names
        self.capex[rows] = opts.alt_capex[rows, col]
        self.opex[rows] = opts.alt_opex[rows, col]
        self.npv[rows] = opts.alt_npv[rows, col]
        self.via_idx[rows] = opts.alt_via[rows, col]
        self.via_kind[rows] = np.where(self.via_idx[rows] >= 0, "tower", "")
        self.link_km[rows] = opts.alt_km[rows, col]
        self.feasible[rows] = True
        # Satellite is "the only option" when nothing else could reach the site.
        others = np.isfinite(opts.alt_npv[rows][:, :2]).any(axis=1) | (
            np.isfinite(opts.fibre_base_npv[rows]) & (opts.node_km[rows] <= opts.fibre_max_km)
        )
        sat = np.where(others, "satellite_cheapest", "satellite_only")
        self.reason[rows] = np.array([_ALT_REASON.get(t, "") for t in names], dtype=object)
        is_sat = names == SATELLITE
        self.reason[rows[is_sat]] = sat[is_sat]

    def set_fibre(self, opts: SiteOptions, mask: np.ndarray, km: np.ndarray) -> None:
        self.tech[mask] = FIBRE
        self.capex[mask] = opts.fibre_base_capex[mask] + opts.fibre_km_capex * km[mask]
        self.opex[mask] = opts.fibre_base_opex[mask] + opts.fibre_km_opex * km[mask]
        self.npv[mask] = opts.fibre_base_npv[mask] + opts.fibre_km_npv * km[mask]
        self.link_km[mask] = km[mask]
        self.feasible[mask] = True

    def copy_from(self, other: Choice, mask: np.ndarray) -> None:
        for name in (
            "tech",
            "reason",
            "capex",
            "opex",
            "npv",
            "via_kind",
            "via_idx",
            "link_km",
            "feasible",
        ):
            getattr(self, name)[mask] = getattr(other, name)[mask]

    def clone(self) -> Choice:
        other = Choice(len(self.npv))
        other.copy_from(self, np.ones(len(self.npv), dtype=bool))
        return other

    def cost(self, basis: str) -> np.ndarray:
        return self.npv if basis == "npv" else self.capex

    def write(
        self,
        plan: Plan,
        todo: np.ndarray,
        funded: np.ndarray,
        sites: Sites,
        fibre: FibreNodes,
        towers: Towers,
    ) -> None:
        rows = todo[funded]
        plan.technology[rows] = self.tech[funded]
        plan.connected[rows] = True
        plan.capex[rows] = self.capex[funded]
        plan.opex_per_year[rows] = self.opex[funded]
        plan.npv[rows] = self.npv[funded]
        plan.link_km[rows] = self.link_km[funded]
        plan.reason[todo] = self.reason
        kind, idx = self.via_kind[funded], self.via_idx[funded]
        plan.via_kind[rows] = kind
        for name, ids, lat, lon in (
            ("node", fibre.node_id, fibre.lat, fibre.lon),
            ("tower", towers.tower_id, towers.lat, towers.lon),
            ("site", sites.site_id[todo], sites.lat[todo], sites.lon[todo]),
        ):
            m = (kind == name) & (idx >= 0)
            if m.any():
                plan.via_id[rows[m]] = ids[idx[m]]
                plan.via_lat[rows[m]] = lat[idx[m]]
                plan.via_lon[rows[m]] = lon[idx[m]]


def _select_within_budget(
    opts: SiteOptions,
    choice: Choice,
    result: FibreResult,
    sites: Sites,
    budget: float,
    objective: str,
    basis: str,
) -> tuple[np.ndarray, Choice]:
    """Fund the most value within the budget, by four greedy orders; the best one wins.

    Fibre through another site is cheap only when that site is funded, so cost per value
    depends on what else is funded. Chain first follows the connect-all plan's fibre tree;
    grouped, it ranks a site with the cheap part of its subtree; stand-alone first starts
    from each site's own cheapest option and lets sites join fibre through funded
    neighbours in rounds; cheapest next does so one site at a time. Whichever connects
    more (then costs less) is kept: none is worse than the others alone.
    """
    value = values_of(sites, objective)
    alone = _standalone(opts)
    chain = choice.clone()
    funded_chain = _chain_first(chain, alone, result, value, budget, basis)
    stand = alone.clone()
    funded_stand = _standalone_first(stand, choice, result, value, budget, basis)
    grown = alone.clone()
    funded_grown = _cheapest_next(grown, opts, result, value, budget, basis)
    group = choice.clone()
    funded_group = _chain_first(group, alone, result, value, budget, basis, grouped=True)

    def score(f: np.ndarray, c: Choice) -> tuple[float, float]:
        return float(value[f].sum()), -float(c.cost(basis)[f].sum())

    return max(
        (
            (funded_chain, chain),
            (funded_stand, stand),
            (funded_grown, grown),
            (funded_group, group),
        ),
        key=lambda fc: score(*fc),
    )


def _standalone(opts: SiteOptions) -> Choice:
    """Each site's cheapest option on its own: an alternative, or fibre from its node."""
    alone = Choice(len(opts.demand_mbps))
    alt_choice, alt_npv = opts.best_alternative()
    alone.set_alternatives(opts, alt_choice, np.isfinite(alt_npv))
    direct_km = np.where(np.isfinite(opts.node_km), opts.node_km, 0.0)
    direct = (
        (opts.node_km <= opts.fibre_max_km)
        & np.isfinite(opts.fibre_base_npv)
        & (opts.fibre_npv(direct_km) <= np.where(np.isfinite(alt_npv), alt_npv, np.inf))
    )
    alone.set_fibre(opts, direct, direct_km)
    alone.reason[direct] = "fibre_node"
    alone.via_kind[direct] = "node"
    alone.via_idx[direct] = opts.node_idx[direct]
    return alone


def _fill(
    funded: np.ndarray, cost: np.ndarray, value: np.ndarray, cand: np.ndarray, left: float
) -> float:
    """Fund candidates in order of cost per value while they fit; returns what is left."""
    cand = cand[np.argsort(cost[cand] / value[cand], kind="stable")]
    for i, c in zip(cand.tolist(), cost[cand].tolist(), strict=True):
        if c <= left:
            funded[i] = True
            left -= c
    return left


def _standalone_first(
    cur: Choice, tree: Choice, result: FibreResult, value: np.ndarray, budget: float, basis: str
) -> np.ndarray:
    """Rounds of: join funded fibre sites where cheaper, then fund what fits."""
    n = len(value)
    parent = result.parent
    safe_parent = np.maximum(parent, 0)
    through_site = (parent >= 0) & (tree.tech == FIBRE)
    funded = np.zeros(n, dtype=bool)
    left = float(budget)
    for _round in range(BUDGET_ROUNDS):
        via_ok = through_site & funded[safe_parent] & (cur.tech[safe_parent] == FIBRE)
        before = funded.sum()
        cheaper = tree.cost(basis) < cur.cost(basis)
        switch = funded & via_ok & cheaper
        left += float((cur.cost(basis) - tree.cost(basis))[switch].sum())
        cur.copy_from(tree, switch)
        cur.copy_from(tree, ~funded & via_ok & (cheaper | ~cur.feasible))
        cand = np.flatnonzero(~funded & cur.feasible & (value > 0))
        left = _fill(funded, cur.cost(basis), value, cand, left)
        if funded.sum() == before and not switch.any():
            break
    return funded


def _group_ratios(
    cost: np.ndarray, value: np.ndarray, result: FibreResult
) -> tuple[np.ndarray, np.ndarray]:
    """Per site, the cost per value of its best group: itself plus the groups of the
    children in the fibre tree that do not raise the average, cheapest first (bottom up); and
    whether each site was taken into its parent's group."""
    n = len(cost)
    g_cost, g_value = cost.astype(np.float64).tolist(), value.astype(np.float64).tolist()
    absorbed = [False] * n
    children: list[list[int]] = [[] for _ in range(n)]
    for t in result.order.tolist():
        p = int(result.parent[t])
        if p >= 0:
            children[p].append(t)

    def ratio(i: int) -> float:
        return g_cost[i] / g_value[i] if g_value[i] > 0 else np.inf

    for t in reversed(result.order.tolist()):
        for c in sorted(children[t], key=ratio):
            # Equal ratios join too: a chain of equally cheap sites is one group.
            if not np.isfinite(ratio(c)) or ratio(c) > ratio(t):
                break
            g_cost[t] += g_cost[c]
            g_value[t] += g_value[c]
            absorbed[c] = True
    return np.array([ratio(i) for i in range(n)]), np.array(absorbed, dtype=bool)


def _cheapest_next(
    cur: Choice,
    opts: SiteOptions,
    result: FibreResult,
    value: np.ndarray,
    budget: float,
    basis: str,
) -> np.ndarray:
    """Fund, one at a time, the site that costs least per value given what is funded.

    Each site starts at its own cheapest option; once a site on fibre is funded, its
    neighbours' fibre links through it are offered at their new cost (Prim's algorithm
    with the budget as its stop). A site that no longer fits waits: a neighbour funded
    later may make it cheap enough. Where costs do not depend on each other this is
    cheapest first, the optimum for "most schools".
    """
    n = len(value)
    src, dst, km = result.links
    order_by_src = np.argsort(src, kind="stable")
    ptr = np.zeros(n + 1, dtype=np.int64)
    np.add.at(ptr, src + 1, 1)
    ptr_list = np.cumsum(ptr).tolist()
    nbr = dst[order_by_src].tolist()
    if basis == "npv":
        base, per_km = opts.fibre_base_npv, opts.fibre_km_npv
    else:
        base, per_km = opts.fibre_base_capex, opts.fibre_km_capex
    via_cost = (base[dst] + per_km * km)[order_by_src].tolist()
    via_km = km[order_by_src].tolist()
    cost = np.where(cur.feasible, cur.cost(basis), np.inf).tolist()
    val = value.tolist()
    parent = [-1] * n
    link = [0.0] * n
    on_fibre = (cur.tech == FIBRE).tolist()
    funded = [False] * n
    heap = [(cost[i] / val[i], i) for i in range(n) if val[i] > 0 and cost[i] != np.inf]
    heapq.heapify(heap)
    left = float(budget)
    while heap:
        key, t = heapq.heappop(heap)
        if funded[t] or key > cost[t] / val[t] or cost[t] > left:
            continue  # funded, a stale entry, or too dear for now
        funded[t] = True
        left -= cost[t]
        if not on_fibre[t]:
            continue
        for j in range(ptr_list[t], ptr_list[t + 1]):
            u = nbr[j]
            if not funded[u] and val[u] > 0 and via_cost[j] < cost[u]:
                cost[u], parent[u], link[u], on_fibre[u] = via_cost[j], t, via_km[j], True
                heapq.heappush(heap, (via_cost[j] / val[u], u))
    funded_arr = np.array(funded, dtype=bool)
    via = np.array(parent, dtype=np.int64) >= 0
    cur.set_fibre(opts, via, np.array(link))
    cur.reason[via] = "fibre_via_site"
    cur.via_kind[via] = "site"
    cur.via_idx[via] = np.array(parent, dtype=np.int64)[via]
    return funded_arr


def _chain_first(
    choice: Choice,
    alone: Choice,
    result: FibreResult,
    value: np.ndarray,
    budget: float,
    basis: str,
    *,
    grouped: bool = False,
) -> np.ndarray:
    """The connect-all plan's options in cost-effectiveness order, then a fill pass.

    A site on fibre through another site is never ranked before it: its rank is the worst
    cost per value on its path to the fibre node. Sites left out whose parent was not
    funded fall back to their own cheapest option and compete again in the fill pass.
    `grouped`: a site is ranked with the part of its fibre subtree that lowers its cost per
    value (`_group_ratios`), so a dear link that opens a cheap chain is funded with it.
    """
    n = len(choice.npv)
    cost = choice.cost(basis)
    usable = choice.feasible & (value > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(usable, cost / np.where(value > 0, value, 1.0), np.inf)
    rank = np.zeros(n, dtype=np.int64)
    rank[result.order] = np.arange(len(result.order))
    parent = result.parent
    if grouped:
        ratio, absorbed = _group_ratios(cost, np.where(usable, value, 0.0), result)
    else:
        absorbed = np.zeros(n, dtype=bool)
    # Parents join before their children, so one pass in joining order settles every path.
    key_list, parent_list, absorbed_list = ratio.tolist(), parent.tolist(), absorbed.tolist()
    for t in result.order.tolist():
        p = parent_list[t]
        if p >= 0 and (absorbed_list[t] or key_list[p] > key_list[t]):
            key_list[t] = key_list[p]
    key = np.array(key_list)
    order = np.lexsort((rank, key))
    order = order[np.isfinite(key[order])]
    spent = np.cumsum(cost[order])
    take = int(np.searchsorted(spent, budget * (1 + 1e-12), side="right"))
    funded = np.zeros(n, dtype=bool)
    funded[order[:take]] = True
    left = budget - (float(spent[take - 1]) if take else 0.0)
    # Fill pass: a site whose parent is funded keeps its link; the others stand alone.
    keeps_link = (parent >= 0) & funded[np.maximum(parent, 0)]
    fallback = ~funded & usable & ~keeps_link & alone.feasible
    choice.copy_from(alone, fallback)
    cand = np.flatnonzero(
        ~funded & usable & choice.feasible & ((parent < 0) | keeps_link | fallback)
    )
    _fill(funded, choice.cost(basis), value, cand, left)
    return funded
