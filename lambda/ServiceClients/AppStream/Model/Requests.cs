using Amazon.Runtime;

namespace Amazon.AppStream.Model;

/// <summary>Parameters of CreateExportImageTask.</summary>
public class CreateExportImageTaskRequest : AmazonWebServiceRequest
{
    /// <summary>The AppStream image to export (required).</summary>
    public string ImageName { get; set; } = "";
    /// <summary>Name of the AMI to create, unique per account and region (required).</summary>
    public string AmiName { get; set; } = "";
    /// <summary>Role AppStream assumes to create the AMI (required).</summary>
    public string IamRoleArn { get; set; } = "";
    /// <summary>Tags for the AMI.</summary>
    public Dictionary<string, string> TagSpecifications { get; set; } = [];
    /// <summary>Description of the AMI.</summary>
    public string? AmiDescription { get; set; }
}

/// <summary>Result of CreateExportImageTask.</summary>
public class CreateExportImageTaskResponse : AmazonWebServiceResponse
{
    /// <summary>The task started.</summary>
    public ExportImageTask? ExportImageTask { get; set; }
}

/// <summary>Parameters of GetExportImageTask.</summary>
public class GetExportImageTaskRequest : AmazonWebServiceRequest
{
    /// <summary>The task to describe.</summary>
    public string TaskId { get; set; } = "";
}

/// <summary>Result of GetExportImageTask.</summary>
public class GetExportImageTaskResponse : AmazonWebServiceResponse
{
    /// <summary>The task.</summary>
    public ExportImageTask? ExportImageTask { get; set; }
}

/// <summary>Parameters of ListExportImageTasks.</summary>
public class ListExportImageTasksRequest : AmazonWebServiceRequest
{
    /// <summary>Filters, if any.</summary>
    public List<Filter> Filters { get; set; } = [];
    /// <summary>Page size.</summary>
    public int? MaxResults { get; set; }
    /// <summary>Token of the next page.</summary>
    public string? NextToken { get; set; }
}

/// <summary>Result of ListExportImageTasks.</summary>
public class ListExportImageTasksResponse : AmazonWebServiceResponse
{
    /// <summary>One page of tasks.</summary>
    public List<ExportImageTask> ExportImageTasks { get; set; } = [];
    /// <summary>Token of the next page, or null on the last.</summary>
    public string? NextToken { get; set; }
}
