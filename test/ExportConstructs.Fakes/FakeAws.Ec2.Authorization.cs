using System.Collections.Specialized;
using System.Xml.Linq;
using ExportConstructs.Fakes.Iam;

namespace ExportConstructs.Fakes;

// EC2: the ARNs and the authorization table (which IAM request each EC2 action makes).
internal sealed partial class FakeAws
{
    private static string Ec2Arn(string resource) => $"arn:aws:ec2:{Region}:{Account}:{resource}";
    // Images and snapshots have no account in their ARN (Service Authorization Reference, EC2 resource types).
    private static string ImageArn(string imageId) => $"arn:aws:ec2:{Region}::image/{imageId}";
    private static string SnapshotArn(string snapshotId) => $"arn:aws:ec2:{Region}::snapshot/{snapshotId}";

    /// <summary>
    /// What EC2 authorizes for each operation, from the Service Authorization Reference (list_amazonec2;
    /// the keys each action honours are in <see cref="ConditionKeySupport"/>). Every request also
    /// carries <c>ec2:Region</c>.
    /// <code>
    /// ExportImage              ec2:ExportImage   image/{ImageId}                aws:ResourceTag, ec2:ResourceTag (image's tags), ec2:ImageID
    ///                          ec2:ExportImage   export-image-task/*            aws:RequestTag, aws:TagKeys (TagSpecification)
    ///                          ec2:CreateTags    export-image-task/*            ec2:CreateAction=ExportImage, aws:RequestTag, aws:TagKeys (only when tagged)
    ///                          iam:PassRole      role/{RoleName or vmimport}    iam:PassedToService=vmie.amazonaws.com
    /// DescribeExportImageTasks ec2:DescribeExportImageTasks  *
    /// CancelExportTask         ec2:CancelExportTask  export-image-task/{id}     aws:ResourceTag, ec2:ResourceTag (task's tags)
    /// DescribeImages           ec2:DescribeImages    *
    /// DeregisterImage          ec2:DeregisterImage   image/{ImageId}            aws:ResourceTag, ec2:ResourceTag (image's tags), ec2:ImageID
    /// DeleteSnapshot           ec2:DeleteSnapshot    snapshot/{SnapshotId}      aws:ResourceTag, ec2:ResourceTag (snapshot's tags), ec2:SnapshotID
    /// CreateTags               ec2:CreateTags        each ResourceId's ARN      aws:ResourceTag, ec2:ResourceTag (its tags), aws:RequestTag, aws:TagKeys
    /// DeleteTags               ec2:DeleteTags        each ResourceId's ARN      aws:ResourceTag, ec2:ResourceTag (its tags), aws:TagKeys (keys given)
    /// </code>
    /// </summary>
    private IEnumerable<IamRequest> Ec2Authorization(string action, NameValueCollection q)
    {
        (string, string) region = ("ec2:Region", Region);
        switch (action)
        {
            case "ExportImage":
            {
                var imageId = q["ImageId"] ?? "";
                var tags = new Dictionary<string, string>();
                for (var i = 1; q[$"TagSpecification.1.Tag.{i}.Key"] is { } key; i++) tags[key] = q[$"TagSpecification.1.Tag.{i}.Value"] ?? "";
                yield return Ask("ec2:ExportImage", ImageArn(imageId),
                    [region, ("ec2:ImageID", imageId), .. ResourceTags(Images.GetValueOrDefault(imageId)?.Tags, "ec2")]);
                yield return Ask("ec2:ExportImage", Ec2Arn("export-image-task/*"), [region, .. RequestTags(tags)]);
                if (tags.Count > 0)
                    yield return Ask("ec2:CreateTags", Ec2Arn("export-image-task/*"), [region, ("ec2:CreateAction", "ExportImage"), .. RequestTags(tags)]);
                yield return Ask("iam:PassRole", $"arn:aws:iam::{Account}:role/{q["RoleName"] ?? "vmimport"}", [("iam:PassedToService", "vmie.amazonaws.com")]);
                break;
            }
            case "DescribeExportImageTasks" or "DescribeImages":
                yield return Ask("ec2:" + action, "*", [region]);
                break;
            case "CancelExportTask":
            {
                var id = q["ExportTaskId"] ?? "";
                yield return Ask("ec2:CancelExportTask", Ec2Arn("export-image-task/" + id), [region, .. ResourceTags(VmTasks.GetValueOrDefault(id)?.Tags, "ec2")]);
                break;
            }
            case "DeregisterImage":
            {
                var id = q["ImageId"] ?? "";
                yield return Ask("ec2:DeregisterImage", ImageArn(id), [region, ("ec2:ImageID", id), .. ResourceTags(Images.GetValueOrDefault(id)?.Tags, "ec2")]);
                break;
            }
            case "DeleteSnapshot":
            {
                var id = q["SnapshotId"] ?? "";
                yield return Ask("ec2:DeleteSnapshot", SnapshotArn(id), [region, ("ec2:SnapshotID", id), .. ResourceTags(SnapshotTags.GetValueOrDefault(id), "ec2")]);
                break;
            }
            case "CreateTags" or "DeleteTags":
            {
                var tags = QueryTags(q);
                IEnumerable<(string, string)> asked = action == "CreateTags"
                    ? RequestTags(tags.ToDictionary(t => t.Key, t => t.Value ?? ""))
                    : tags.Select(t => ("aws:TagKeys", t.Key));
                foreach (var id in ResourceIds(q))
                {
                    var (arn, current) = TaggedResource(id);
                    yield return Ask("ec2:" + action, arn, [region, .. ResourceTags(current, "ec2"), .. asked]);
                }
                break;
            }
        }
    }
}
