using System.Net;
using Amazon.Runtime;

namespace Amazon.StepFunctions.Model;

/// <summary>Parameters of StartExecution.</summary>
public class StartExecutionRequest : AmazonWebServiceRequest
{
    /// <summary>The state machine to run.</summary>
    public string StateMachineArn { get; set; } = "";
    /// <summary>Execution name, unique per state machine for 90 days; repeating it with the same input is idempotent.</summary>
    public string? Name { get; set; }
    /// <summary>The execution's input, a JSON text.</summary>
    public string? Input { get; set; }
}

/// <summary>Result of StartExecution.</summary>
public class StartExecutionResponse : AmazonWebServiceResponse
{
    /// <summary>The execution.</summary>
    public string ExecutionArn { get; set; } = "";
    /// <summary>When it started.</summary>
    public DateTime? StartDate { get; set; }
}

/// <summary>Parameters of StopExecution.</summary>
public class StopExecutionRequest : AmazonWebServiceRequest
{
    /// <summary>The execution to stop.</summary>
    public string ExecutionArn { get; set; } = "";
    /// <summary>Error code recorded on the execution.</summary>
    public string? Error { get; set; }
    /// <summary>Explanation recorded on the execution.</summary>
    public string? Cause { get; set; }
}

/// <summary>Result of StopExecution.</summary>
public class StopExecutionResponse : AmazonWebServiceResponse
{
    /// <summary>When it stopped.</summary>
    public DateTime? StopDate { get; set; }
}

#pragma warning disable CS1591 // Each type is named after the Step Functions error code it stands for.
public sealed class ExecutionAlreadyExistsException(string m, Exception? i, ErrorType t, string c, string? r, HttpStatusCode s) : AmazonStepFunctionsException(m, i, t, c, r, s);
public sealed class ExecutionDoesNotExistException(string m, Exception? i, ErrorType t, string c, string? r, HttpStatusCode s) : AmazonStepFunctionsException(m, i, t, c, r, s);
public sealed class StateMachineDoesNotExistException(string m, Exception? i, ErrorType t, string c, string? r, HttpStatusCode s) : AmazonStepFunctionsException(m, i, t, c, r, s);
#pragma warning restore CS1591
