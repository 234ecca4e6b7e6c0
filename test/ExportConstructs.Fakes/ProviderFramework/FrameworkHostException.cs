namespace ExportConstructs.Fakes.ProviderFramework;

/// <summary>
/// The host process itself failed (it would not start, ended, or was given a call it cannot
/// run): a fault of the test set-up, never an answer of the framework, which a
/// <see cref="FrameworkResult"/> carries.
/// </summary>
internal sealed class FrameworkHostException(string message) : Exception(message);
