// The networks in Networks are built once and shared by every test class. A network keeps its layers' buffers and its
// products' sparse copies between calls, so it must not run on two threads at once: the test classes run one at a time.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
