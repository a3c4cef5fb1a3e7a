// Each node takes about 0.7 GiB and both cores while it starts, and the host-state check must see only its own nodes:
// the classes of this assembly run one after another.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
