Console.WriteLine("nabla");
