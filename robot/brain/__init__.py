"""The brain: turns a request into a plan of skills and drives it (docs/architecture.md,
"One request, end to end").

- `prompt`: how a request and the scene's names become model input.
- `model`, `tokens`, `decoder`: an ONNX causal LM on onnxruntime, greedy with the KV cache.
- `grammar`: the token mask that only lets valid plans through.
- `world`: the symbolic world model and validator (preconditions, safety rules).
- `screen`: rule screen for harmful intent and attempts to switch off safety.
- `planner`: request -> Plan (or a refused plan with a reason).
- `speech`: language detection and what the robot says, in en / de / zh.
- `node`: the brain node on the bus, with replanning. `cli`: `robot plan`.
"""

PLAN_BUDGET_S = 5.0
"""Longest a plan may take in the planner's process before the request is refused (s;
`[brain] plan_budget_s`): a plan takes ~3 ms at the median and 6 ms at p95 with our
model (benchmarks/brain.py), so this only catches a hung or crashed child."""
