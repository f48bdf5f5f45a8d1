"""The application: the ``mlp-widgets`` command (:mod:`~mlp_widgets.app.cli`), the dashboard
notebook it serves (``dashboard.ipynb``) and the lab's numbers from the core alone
(:mod:`~mlp_widgets.app.demo`)."""
