using System.Text.Json.Serialization;

namespace ExportConstructs.Contract;

/// <summary>Source-generated JSON for the contract types (AOT-safe, no reflection).</summary>
[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(ExportedVmImageProperties))]
[JsonSerializable(typeof(AppStreamAmiExportProperties))]
[JsonSerializable(typeof(PollerInput))]
[JsonSerializable(typeof(PollerOutput))]
[JsonSerializable(typeof(ExportEventDetail))]
internal sealed partial class ContractJsonContext : JsonSerializerContext;
