namespace Nabla.Autograd;

/// <summary>
/// The engine's switches, per thread (DeZero's <c>Config</c>): whether operations record a graph for
/// backward, and whether layers such as dropout run in training or test mode. Both are using-scopes:
/// <c>using (Autograd.NoGrad()) { … }</c> restores the previous setting on leaving, also after an exception.
/// </summary>
public static class Autograd
{
    [ThreadStatic] private static int _noGradDepth;
    [ThreadStatic] private static int _testDepth;

    /// <summary>True unless inside <see cref="NoGrad"/> on this thread: operations record their creators.</summary>
    public static bool IsGradEnabled => _noGradDepth == 0;

    /// <summary>True unless inside <see cref="TestMode"/> on this thread: dropout drops.</summary>
    public static bool IsTraining => _testDepth == 0;

    /// <summary>A scope in which operations build no graph (inference, parameter updates, backward without create_graph).</summary>
    public static Scope NoGrad() { _noGradDepth++; return new Scope(ScopeKind.NoGrad); }

    /// <summary>A scope in which layers behave as at test time (dropout passes values through).</summary>
    public static Scope TestMode() { _testDepth++; return new Scope(ScopeKind.Test); }

    internal enum ScopeKind { NoGrad, Test }

    /// <summary>Ends a <see cref="NoGrad"/> or <see cref="TestMode"/> scope when disposed.</summary>
    public struct Scope : IDisposable
    {
        private readonly ScopeKind _kind;
        private bool _disposed;

        internal Scope(ScopeKind kind) { _kind = kind; _disposed = false; }

        /// <summary>Restores the setting in force before the scope began.</summary>
        public void Dispose()
        {
            if (_disposed) return;
            _disposed = true;
            if (_kind == ScopeKind.NoGrad) _noGradDepth--; else _testDepth--;
        }
    }
}
