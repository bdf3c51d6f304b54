"""The planner's engine: plain Python and NumPy, no Django.

`data` holds the types every part shares (inputs, cost assumptions, the plan);
`inputs` reads files into them, `costs` holds the documented defaults,
`plan` chooses a technology per site. The web pages, the tasks and `resilnet plan`
all call the same functions.
"""
