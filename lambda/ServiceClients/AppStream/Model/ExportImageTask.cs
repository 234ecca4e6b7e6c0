using Amazon.Runtime;

namespace Amazon.AppStream.Model;

/// <summary>An AppStream image export to an EC2 AMI.</summary>
public class ExportImageTask
{
    /// <summary>Task id (a UUID).</summary>
    public string TaskId { get; set; } = "";
    /// <summary>ARN of the exported AppStream image.</summary>
    public string? ImageArn { get; set; }
    /// <summary>Name of the AMI being created.</summary>
    public string? AmiName { get; set; }
    /// <summary>When the task was created.</summary>
    public DateTime? CreatedDate { get; set; }
    /// <summary>Description of the AMI.</summary>
    public string? AmiDescription { get; set; }
    /// <summary>EXPORTING, COMPLETED, FAILED or TIMED_OUT.</summary>
    public ExportImageTaskState? State { get; set; }
    /// <summary>The AMI created, once COMPLETED.</summary>
    public string? AmiId { get; set; }
    /// <summary>Tags given to the AMI.</summary>
    public Dictionary<string, string> TagSpecifications { get; set; } = [];
    /// <summary>Why the task failed, when it did.</summary>
    public List<ErrorDetails> ErrorDetails { get; set; } = [];
}

/// <summary>One error of a failed task.</summary>
public class ErrorDetails
{
    /// <summary>The error code.</summary>
    public string? ErrorCode { get; set; }
    /// <summary>The error message.</summary>
    public string? ErrorMessage { get; set; }
}

/// <summary>A filter of ListExportImageTasks.</summary>
public class Filter
{
    /// <summary>Filter name.</summary>
    public string Name { get; set; } = "";
    /// <summary>Values to match.</summary>
    public List<string> Values { get; set; } = [];
}

/// <summary>States of an <see cref="ExportImageTask"/>, as in AWSSDK.AppStream.</summary>
public sealed class ExportImageTaskState(string value) : ConstantClass(value)
{
    /// <summary>Still running.</summary>
    public static readonly ExportImageTaskState EXPORTING = new("EXPORTING");
    /// <summary>The AMI exists.</summary>
    public static readonly ExportImageTaskState COMPLETED = new("COMPLETED");
    /// <summary>The export failed; see ErrorDetails.</summary>
    public static readonly ExportImageTaskState FAILED = new("FAILED");
    /// <summary>The export took too long and was stopped.</summary>
    public static readonly ExportImageTaskState TIMED_OUT = new("TIMED_OUT");

    /// <summary>The constant for a wire value.</summary>
    public static ExportImageTaskState FindValue(string value) => FindValue<ExportImageTaskState>(value);
}
